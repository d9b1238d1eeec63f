package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/topology"
)

// Writer writes the API's commands: placed orders to new_orders and
// cancellation requests to order_cancellations, each keyed by its order id,
// so that every record of one order meets in the same partition.
type Writer struct {
	placed, cancels *goka.Emitter
}

// NewWriter connects an emitter for each of the two topics; opts are the
// emitter options, usually Goka.Emitter(). When the second emitter cannot be
// made the first is closed, so that a caller retrying NewWriter leaks nothing.
func NewWriter(brokers []string, opts ...goka.EmitterOption) (*Writer, error) {
	placed, err := goka.NewEmitter(brokers, topology.NewOrders, codecs.JSON[events.OrderPlaced]{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting emitter for %s: %w", topology.NewOrders, err)
	}
	cancels, err := goka.NewEmitter(brokers, topology.OrderCancellations, codecs.JSON[events.CancelRequested]{}, opts...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("connecting emitter for %s: %w", topology.OrderCancellations, err), placed.Finish())
	}
	return &Writer{placed: placed, cancels: cancels}, nil
}

// PlaceOrder writes p to new_orders and returns once Kafka has it on every
// in-sync replica, or once ctx ends.
func (w *Writer) PlaceOrder(ctx context.Context, p events.OrderPlaced) error {
	return emit(ctx, w.placed, p.Order.ID, p)
}

// RequestCancel writes c to order_cancellations and returns once Kafka has
// it on every in-sync replica, or once ctx ends.
func (w *Writer) RequestCancel(ctx context.Context, c events.CancelRequested) error {
	return emit(ctx, w.cancels, c.OrderID, c)
}

// Close waits for the records in flight and closes both emitters.
func (w *Writer) Close() error {
	return errors.Join(w.placed.Finish(), w.cancels.Finish())
}

func emit(ctx context.Context, e *goka.Emitter, key string, value any) error {
	promise, err := e.Emit(key, value)
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
