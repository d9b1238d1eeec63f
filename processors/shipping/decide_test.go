package shipping

import (
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/internal/ordertest"
	"orderflow/order"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name      string
		entry     Entry
		payment   order.Status
		want      order.Status
		shipped   bool
		refundDue bool
	}{
		{"a paid order ships", Entry{}, order.Paid, order.Shipped, true, false},
		{"a paid order whose customer cancelled first is cancelled and refunded", Entry{CancelRequested: true}, order.Paid, order.Cancelled, false, true},
		{"a failed payment passes on", Entry{}, order.PaymentFailed, order.PaymentFailed, false, false},
		{"a cancel before payment passes on, nothing to refund", Entry{CancelRequested: true}, order.Cancelled, order.Cancelled, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := settled("o1", tt.payment)
			next, out := decide(tt.entry, in, ordertest.Epoch)
			require.Equal(t, tt.want, out.Status)
			require.Equal(t, tt.shipped, out.Shipment != nil)
			require.Equal(t, tt.refundDue, out.RefundDue())
			require.Equal(t, &out, next.Settled)
			require.NoError(t, check(in, out), "every outcome follows the state machine")
		})
	}
	t.Run("an outcome that skips the machine is refused", func(t *testing.T) {
		in := settled("o1", order.PaymentFailed)
		_, out := decide(Entry{}, in, ordertest.Epoch)
		out.Status = order.Shipped
		require.Error(t, check(in, out))
	})
	t.Run("a cancel is taken only before the order is settled here", func(t *testing.T) {
		e, taken := decideCancel(Entry{})
		require.True(t, taken)
		_, taken = decideCancel(e)
		require.False(t, taken)
		done, _ := decide(Entry{}, settled("o1", order.Paid), ordertest.Epoch)
		_, taken = decideCancel(done)
		require.False(t, taken)
	})
}
