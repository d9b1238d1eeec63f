package kafka

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
	"orderflow/topology"
)

func TestWriter(t *testing.T) {
	tt := tester.New(t)
	w, err := NewWriter(nil, nil, goka.WithEmitterTester(tt))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.Close()) })

	t.Run("a placed order lands on new_orders keyed by its id", func(t *testing.T) {
		placed := tt.NewQueueTracker(string(topology.NewOrders))
		p := placedOrder("ord_1")
		require.NoError(t, w.PlaceOrder(context.Background(), p))
		key, value, ok := placed.Next()
		require.True(t, ok, "nothing on new_orders")
		require.Equal(t, "ord_1", key)
		require.Equal(t, p, value)
	})

	t.Run("a cancellation lands on order_cancellations keyed by its order id", func(t *testing.T) {
		cancels := tt.NewQueueTracker(string(topology.OrderCancellations))
		c := events.CancelRequested{V: codecs.Version, OrderID: "ord_2", CustomerID: "alice", At: time.Unix(1, 0).UTC()}
		require.NoError(t, w.RequestCancel(context.Background(), c))
		key, value, ok := cancels.Next()
		require.True(t, ok, "nothing on order_cancellations")
		require.Equal(t, "ord_2", key)
		require.Equal(t, c, value)
	})

	t.Run("a record its codec refuses is an error, not a silent drop", func(t *testing.T) {
		require.Error(t, w.PlaceOrder(context.Background(), events.OrderPlaced{V: codecs.Version}))
	})
}

func TestAwaitAck(t *testing.T) {
	t.Run("a request that ends before the ack returns the request's error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := awaitAck(ctx, "ord_1", make(chan error)) // never acknowledged
		require.ErrorIs(t, err, context.Canceled)
	})

	t.Run("a deadline that passes before the ack says so", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, awaitAck(ctx, "ord_1", make(chan error)), context.DeadlineExceeded)
	})

	t.Run("kafka's refusal is returned with its cause", func(t *testing.T) {
		refused := errors.New("not enough replicas")
		acked := make(chan error, 1)
		acked <- refused
		require.ErrorIs(t, awaitAck(context.Background(), "ord_1", acked), refused)
	})

	t.Run("an ack ends the wait without error", func(t *testing.T) {
		acked := make(chan error, 1)
		acked <- nil
		require.NoError(t, awaitAck(context.Background(), "ord_1", acked))
	})
}

func placedOrder(id string) events.OrderPlaced {
	items := []order.Item{{SKU: "mug-01", Quantity: 2, UnitPriceCents: 1250}}
	return events.OrderPlaced{
		V: codecs.Version,
		Order: order.Order{
			ID:         id,
			CustomerID: "alice",
			Items:      items,
			Currency:   "EUR",
			ShippingAddress: order.Address{
				Name: "Alice", Line1: "1 Main St", City: "Berlin", PostalCode: "10115", Country: "DE",
			},
			TotalCents: order.Total(items),
			CreatedAt:  time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		},
		PaymentToken: "tok_visa",
	}
}
