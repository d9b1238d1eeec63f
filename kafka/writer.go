package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/lovoo/goka"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/topology"
	"orderflow/tracing"
)

// Writer writes the API's commands: placed orders to new_orders and
// cancellation requests to order_cancellations, each keyed by its order id,
// so that every record of one order meets in the same partition.
type Writer struct {
	placed, cancels *goka.Emitter
	tracer          *tracing.Tracer
}

// NewWriter connects an emitter for each of the two topics; opts are the
// emitter options, usually Goka.Emitter(). tracer makes each write a span
// whose trace context the record carries in its headers, where the order's
// trace goes on; nil is tracing off. When the second emitter cannot be made
// the first is closed, so that a caller retrying NewWriter leaks nothing.
func NewWriter(brokers []string, tracer *tracing.Tracer, opts ...goka.EmitterOption) (*Writer, error) {
	placed, err := goka.NewEmitter(brokers, topology.NewOrders, codecs.JSON[events.OrderPlaced]{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting emitter for %s: %w", topology.NewOrders, err)
	}
	cancels, err := goka.NewEmitter(brokers, topology.OrderCancellations, codecs.JSON[events.CancelRequested]{}, opts...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("connecting emitter for %s: %w", topology.OrderCancellations, err), placed.Finish())
	}
	return &Writer{placed: placed, cancels: cancels, tracer: tracer}, nil
}

// PlaceOrder writes p to new_orders and returns once Kafka has it on every
// in-sync replica, or once ctx ends.
func (w *Writer) PlaceOrder(ctx context.Context, p events.OrderPlaced) error {
	return w.emit(ctx, w.placed, topology.NewOrders, p.Order.ID, p)
}

// RequestCancel writes c to order_cancellations and returns once Kafka has
// it on every in-sync replica, or once ctx ends.
func (w *Writer) RequestCancel(ctx context.Context, c events.CancelRequested) error {
	return w.emit(ctx, w.cancels, topology.OrderCancellations, c.OrderID, c)
}

// Close waits for the records in flight and closes both emitters.
func (w *Writer) Close() error {
	return errors.Join(w.placed.Finish(), w.cancels.Finish())
}

// emit writes value under key and waits for the acknowledgement; with
// tracing on, as a span of the request's trace.
func (w *Writer) emit(ctx context.Context, e *goka.Emitter, topic goka.Stream, key string, value any) error {
	if w.tracer == nil {
		return send(ctx, e, key, value, nil)
	}
	ctx, span := w.tracer.Start(ctx, "send "+string(topic), trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
		tracing.OrderID.String(key),
		attribute.String("messaging.system", "kafka"),
		attribute.String("messaging.operation.type", "send"),
		attribute.String("messaging.destination.name", string(topic)),
	))
	defer span.End()
	err := send(ctx, e, key, value, tracing.Inject(ctx))
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}

func send(ctx context.Context, e *goka.Emitter, key string, value any, headers goka.Headers) error {
	promise, err := e.EmitWithHeaders(key, value, headers)
	if err != nil {
		return fmt.Errorf("emitting %s: %w", key, err)
	}
	acked := make(chan error, 1) // buffered: the callback must not block once nobody waits
	promise.Then(func(err error) { acked <- err })
	return awaitAck(ctx, key, acked)
}

// awaitAck waits for Kafka's acknowledgement, or for the request to end: a
// client must get an answer (503) within the API's own timeout even when the
// broker does not answer at all. The record may still be written after that;
// a retry with the same Idempotency-Key names the same order.
func awaitAck(ctx context.Context, key string, acked <-chan error) error {
	select {
	case err := <-acked:
		if err != nil {
			return fmt.Errorf("writing %s: %w", key, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for kafka to acknowledge %s: %w", key, ctx.Err())
	}
}
