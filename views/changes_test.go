package views

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/order"
	"orderflow/topology"
)

func signalled(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestChanges(t *testing.T) {
	t.Run("a watcher is signalled after its key changes, and not for another key", func(t *testing.T) {
		var c Changes
		changed, stop := c.Watch("o1")
		defer stop()

		c.Notify("o2")
		require.False(t, signalled(changed))
		c.Notify("o1")
		require.True(t, signalled(changed))
	})

	t.Run("signals to a watcher that has not woken yet merge into one, and Notify never blocks", func(t *testing.T) {
		var c Changes
		changed, stop := c.Watch("o1")
		defer stop()

		for range 100 {
			c.Notify("o1")
		}
		require.True(t, signalled(changed))
		require.False(t, signalled(changed))
	})

	t.Run("every watcher of a key is signalled", func(t *testing.T) {
		var c Changes
		a, stopA := c.Watch("o1")
		defer stopA()
		b, stopB := c.Watch("o1")
		defer stopB()

		c.Notify("o1")
		require.True(t, signalled(a))
		require.True(t, signalled(b))
	})

	t.Run("a key is forgotten when its last watcher stops, so the size follows the watchers", func(t *testing.T) {
		var c Changes
		_, stopA := c.Watch("o1")
		_, stopB := c.Watch("o1")
		_, stopC := c.Watch("o2")
		require.Equal(t, 2, c.Len())

		stopA()
		stopA() // stopping twice is harmless
		require.Equal(t, 2, c.Len())
		stopB()
		stopC()
		require.Zero(t, c.Len())
		require.Zero(t, c.watchers.Load())
	})
}

func TestTheViewSignalsWatchersOfAnOrderAndOfItsCustomer(t *testing.T) {
	tt, view := start(t)
	watched, stopOrder := view.WatchOrder("w1")
	defer stopOrder()
	customer, stopCustomer := view.WatchCustomer("carol")
	defer stopCustomer()
	other, stopOther := view.WatchCustomer("dave")
	defer stopOther()

	place(tt, "w1", "carol", ordertest.Epoch)

	require.Eventually(t, func() bool { return signalled(watched) }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return signalled(customer) }, 5*time.Second, time.Millisecond)
	require.False(t, signalled(other))
	st, ok, err := view.Get("w1")
	require.NoError(t, err)
	require.True(t, ok, "the record is readable once its watcher is signalled")
	require.Equal(t, "carol", st.Order.CustomerID)
	page, _, err := view.ListByCustomer("carol", "", 10)
	require.NoError(t, err)
	require.Len(t, page, 1, "the index is written before the customer's watchers are signalled")

	t.Run("a stage's report signals the order again", func(t *testing.T) {
		p := ordertest.Placed("w1", "carol", "tok_visa")
		paid := events.PaymentSettled{V: codecs.Version, Order: p.Order, Status: order.Paid, At: ordertest.Epoch.Add(time.Second),
			Payment: &order.Payment{ChargeID: "ch_w1", AmountCents: p.Order.TotalCents, Currency: p.Order.Currency}}
		tt.Consume(string(topology.PayedOrders), "w1", ordertest.Bytes(paid))
		require.Eventually(t, func() bool { return signalled(watched) }, 5*time.Second, time.Millisecond)
		st, _, err := view.Get("w1")
		require.NoError(t, err)
		require.Equal(t, order.Paid, st.Status)
	})
}
