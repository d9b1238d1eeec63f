package notifications

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/internal/ordertest"
	"orderflow/order"
)

func TestDecide(t *testing.T) {
	for _, status := range order.ShipmentOutcomes() {
		t.Run("a delivered "+string(status)+" outcome is recorded once told", func(t *testing.T) {
			sh := shipmentSettled("o1", status)
			next, told, err := decide(Entry{Attempts: 2}, sh, message(sh, ordertest.Epoch), nil)
			require.NoError(t, err)
			require.Equal(t, status, told.Status)
			require.Equal(t, told, next.Notified)
			require.True(t, order.Told(told.Status).Terminal())
		})
	}
	t.Run("a failed delivery counts an attempt and records nothing", func(t *testing.T) {
		sh := shipmentSettled("o1", order.Shipped)
		next, told, err := decide(Entry{Attempts: 2}, sh, message(sh, ordertest.Epoch), errors.New("nats: timeout"))
		require.Error(t, err)
		require.Nil(t, told)
		require.Equal(t, 3, next.Attempts)
	})
	t.Run("an outcome that is not an end is not told", func(t *testing.T) {
		sh := shipmentSettled("o1", order.Paid)
		next, told, err := decide(Entry{}, sh, message(sh, ordertest.Epoch), nil)
		require.Error(t, err)
		require.Nil(t, told)
		require.Zero(t, next.Attempts)
	})
}

// The customer's message names the status the API shows for the order.
func TestTheMessageSaysWhatTheAPIShows(t *testing.T) {
	for _, status := range order.ShipmentOutcomes() {
		m := message(shipmentSettled("o1", status), ordertest.Epoch)
		require.Equal(t, order.Told(status), m.Status, "%s", status)
	}
	require.Equal(t, order.Notified, message(shipmentSettled("o1", order.Shipped), ordertest.Epoch).Status)
}
