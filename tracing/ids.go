package tracing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"

	"go.opentelemetry.io/otel/trace"
)

// orderTraceKey marks a context whose root span starts an order's trace.
type orderTraceKey struct{}

// ForOrder returns ctx marked so that a root span started under it (no
// parent) gets the order's own trace id, derived from orderID, when the
// TracerProvider uses OrderIDs. A stage uses it for a record that came with
// no trace context.
func ForOrder(ctx context.Context, orderID string) context.Context {
	return context.WithValue(ctx, orderTraceKey{}, orderID)
}

// OrderTraceID is the trace id of an order whose first record carried no
// trace context: the same in every process, for every reader of the record.
func OrderTraceID(orderID string) trace.TraceID {
	sum := sha256.Sum256([]byte("orderflow trace of order " + orderID))
	var id trace.TraceID
	copy(id[:], sum[:len(id)])
	return id
}

// OrderIDs is the TracerProvider's id generator (sdktrace.WithIDGenerator):
// random ids, except the trace id of a root span started under ForOrder.
type OrderIDs struct{}

// NewIDs returns a new trace id and span id for a root span.
func (OrderIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if id, ok := ctx.Value(orderTraceKey{}).(string); ok {
		return OrderTraceID(id), newSpanID()
	}
	var tid trace.TraceID
	for !tid.IsValid() {
		_, _ = rand.Read(tid[:]) // crypto/rand.Read never fails
	}
	return tid, newSpanID()
}

// NewSpanID returns a new span id for a span of trace.
func (OrderIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		_, _ = rand.Read(sid[:]) // crypto/rand.Read never fails
	}
	return sid
}
