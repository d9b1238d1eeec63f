package tracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The W3C trace context headers, on Kafka records and NATS messages alike.
const (
	HeaderTraceparent = "traceparent"
	HeaderTracestate  = "tracestate"
)

// w3c reads and writes the W3C trace context; it holds no state.
var w3c propagation.TraceContext

// Inject returns the record headers that carry the span context of ctx, or
// nil when ctx has none, so that a record written without tracing gets no
// header at all.
func Inject(ctx context.Context) map[string][]byte {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	h := map[string][]byte{}
	w3c.Inject(ctx, recordCarrier(h))
	return h
}

// Extract returns ctx with the remote span context that record headers h
// carry; ctx as it is when they carry none.
func Extract(ctx context.Context, h map[string][]byte) context.Context {
	if len(h[HeaderTraceparent]) == 0 {
		return ctx
	}
	return w3c.Extract(ctx, recordCarrier(h))
}

// InjectInto writes the span context of ctx into c, a message's headers
// (HTTP, NATS); nothing when ctx has none.
func InjectInto(ctx context.Context, c propagation.TextMapCarrier) {
	if trace.SpanContextFromContext(ctx).IsValid() {
		w3c.Inject(ctx, c)
	}
}

// ExtractFrom returns ctx with the remote span context of c.
func ExtractFrom(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	return w3c.Extract(ctx, c)
}

// recordCarrier is Kafka record headers as the propagator reads them. Kafka
// header keys are case-sensitive; W3C's are lower case, as written.
type recordCarrier map[string][]byte

func (c recordCarrier) Get(key string) string { return string(c[key]) }

func (c recordCarrier) Set(key, value string) { c[key] = []byte(value) }

func (c recordCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
