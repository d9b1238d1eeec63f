package tracing

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func newTracer(t *testing.T) (*Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(OrderIDs{}))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return New(tp, "test"), exp
}

func TestTheTraceContextTravelsInRecordHeaders(t *testing.T) {
	tr, _ := newTracer(t)
	ctx, span := tr.Start(context.Background(), "api")
	defer span.End()

	h := Inject(ctx)
	require.Len(t, h[HeaderTraceparent], 55, "a W3C traceparent: version-traceid-spanid-flags")
	got := trace.SpanContextFromContext(Extract(context.Background(), h))
	require.True(t, got.IsRemote())
	require.Equal(t, span.SpanContext().TraceID(), got.TraceID())
	require.Equal(t, span.SpanContext().SpanID(), got.SpanID())
}

func TestWithoutATraceNoHeaderIsWritten(t *testing.T) {
	require.Nil(t, Inject(context.Background()))
	var off *Tracer
	ctx, span := off.Start(context.Background(), "nothing")
	span.End()
	require.Nil(t, Inject(ctx), "tracing off writes no header")
	require.Equal(t, context.Background(), Extract(context.Background(), map[string][]byte{"other": []byte("x")}))
}

func TestARecordWithoutTraceContextStartsItsOrdersOwnTrace(t *testing.T) {
	tr, exp := newTracer(t)
	// Two groups read the same record written by a plain Kafka client.
	_, payment := tr.Start(ForOrder(context.Background(), "o1"), "process new_orders")
	payment.End()
	_, orders := tr.Start(ForOrder(context.Background(), "o1"), "process new_orders")
	orders.End()
	_, other := tr.Start(ForOrder(context.Background(), "o2"), "process new_orders")
	other.End()

	spans := exp.GetSpans()
	require.Len(t, spans, 3)
	require.Equal(t, OrderTraceID("o1"), spans[0].SpanContext.TraceID(), "the order's trace")
	require.Equal(t, spans[0].SpanContext.TraceID(), spans[1].SpanContext.TraceID(), "every reader joins the same trace")
	require.NotEqual(t, spans[0].SpanContext.SpanID(), spans[1].SpanContext.SpanID())
	require.NotEqual(t, spans[0].SpanContext.TraceID(), spans[2].SpanContext.TraceID(), "another order, another trace")
}

func TestARecordWithTraceContextStaysInItsTrace(t *testing.T) {
	tr, _ := newTracer(t)
	ctx, api := tr.Start(context.Background(), "api")
	api.End()
	_, stage := tr.Start(ForOrder(Extract(context.Background(), Inject(ctx)), "o1"), "process new_orders")
	stage.End()
	require.Equal(t, api.SpanContext().TraceID(), stage.SpanContext().TraceID())
	require.NotEqual(t, OrderTraceID("o1"), stage.SpanContext().TraceID())
}
