package intake

import (
	"context"
	"strconv"

	"github.com/lovoo/goka"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"orderflow/tracing"
)

// Trace makes processing a record a span of its order's trace, a child of
// the trace context in the record's headers (or the first span of the
// order's trace, when it has none), and makes everything cb writes carry
// that span's context: emitted records, loopbacks, table writes, dead
// letters and records moved to their partition. That is how the trace
// survives every place where the pipeline writes a record to act on later:
// a call's answer, a retry through the scheduler, a moved record.
//
// With tracing off it returns cb itself.
func (g *Gate) Trace(cb goka.ProcessCallback) goka.ProcessCallback {
	if g.tracer == nil {
		return cb
	}
	return func(ctx goka.Context, msg any) {
		parent := tracing.Extract(ctx.Context(), ctx.Headers())
		if !trace.SpanContextFromContext(parent).IsValid() {
			parent = tracing.ForOrder(parent, ctx.Key())
		}
		c, span := g.tracer.Start(parent, "process "+string(ctx.Topic()),
			trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
				tracing.OrderID.String(ctx.Key()),
				attribute.String("messaging.system", "kafka"),
				attribute.String("messaging.operation.type", "process"),
				attribute.String("messaging.destination.name", string(ctx.Topic())),
				attribute.String("messaging.destination.partition.id", strconv.Itoa(int(ctx.Partition()))),
				attribute.Int64("messaging.kafka.offset", ctx.Offset()),
				attribute.String("messaging.consumer.group.name", string(g.group)),
			))
		defer span.End()
		cb(&traced{gokaContext: ctx, ctx: c, headers: tracing.Inject(c)}, msg)
	}
}

// traced is a record's goka context inside the record's span: Context
// returns a context with the span, and every write carries its trace
// context as headers. A trace context the callback passes itself wins (a
// call's answer names the call's span); a record passed on with its
// original headers (a dead letter, a moved record) drops their trace
// context first (passOn), so that it names this span.
type traced struct {
	gokaContext
	ctx     context.Context
	headers goka.Headers
}

// gokaContext names the embedded goka.Context apart from the method
// Context, which traced overrides.
type gokaContext = goka.Context

func (t *traced) Context() context.Context { return t.ctx }

func (t *traced) Emit(topic goka.Stream, key string, value any, opts ...goka.ContextOption) {
	t.gokaContext.Emit(topic, key, value, t.with(opts)...)
}

func (t *traced) Loopback(key string, value any, opts ...goka.ContextOption) {
	t.gokaContext.Loopback(key, value, t.with(opts)...)
}

func (t *traced) SetValue(value any, opts ...goka.ContextOption) {
	t.gokaContext.SetValue(value, t.with(opts)...)
}

func (t *traced) Delete(opts ...goka.ContextOption) {
	t.gokaContext.Delete(t.with(opts)...)
}

func (t *traced) with(opts []goka.ContextOption) []goka.ContextOption {
	return append([]goka.ContextOption{goka.WithCtxEmitHeaders(t.headers)}, opts...)
}

// passOn returns the headers of a record written again as it came (a dead
// letter, a moved record): h with extra, without h's trace context when
// tracing is on, so that the copy carries the current span's instead (see
// traced). With tracing off the original trace context goes along as it is.
func (g *Gate) passOn(h, extra goka.Headers) goka.Headers {
	m := h.Merged(extra)
	if g.tracer != nil {
		delete(m, tracing.HeaderTraceparent)
		delete(m, tracing.HeaderTracestate)
	}
	return m
}

// markFailed marks the span of the record being processed as failed, for a
// record set aside: the trace shows where its order's way ended.
func markFailed(ctx goka.Context, reason error) {
	span := trace.SpanFromContext(ctx.Context())
	span.SetStatus(codes.Error, reason.Error())
}
