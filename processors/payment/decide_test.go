package payment

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/gateway"
	"orderflow/internal/ordertest"
	"orderflow/order"
)

func TestDecideCharge(t *testing.T) {
	p := ordertest.Placed("o1", "c1", "tok_visa")
	down := fmt.Errorf("calling gateway: %w", gateway.ErrUnavailable)
	tests := []struct {
		name        string
		entry       Entry
		charge      gateway.Charge
		err         error
		wantStatus  order.Status // "" when no outcome yet
		wantRetry   bool
		wantProblem bool
		wantTries   int
	}{
		{"an approved charge pays the order", Entry{}, gateway.Charge{ID: "ch_1", Approved: true}, nil, order.Paid, false, false, 0},
		{"a declined card fails it with the bank's reason", Entry{}, gateway.Charge{DeclineReason: "card declined"}, nil, order.PaymentFailed, false, false, 0},
		{"a gateway that is down is tried again later", Entry{}, gateway.Charge{}, down, "", true, false, 1},
		{"the last allowed attempt gives up and keeps the detail for a person", Entry{ChargeAttempts: 2}, gateway.Charge{}, down, order.PaymentFailed, false, true, 2},
		{"a refused request is not retried", Entry{}, gateway.Charge{}, errors.New("400 bad request"), order.PaymentFailed, false, true, 0},
		{"a cancel after a charge was tried does not stop it: the money may be taken", Entry{CancelRequested: true, ChargeAttempts: 1}, gateway.Charge{ID: "ch_1", Approved: true}, nil, order.Paid, false, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, st := decideCharge(tt.entry, p, tt.charge, tt.err, 3, ordertest.Epoch)
			require.Equal(t, tt.wantRetry, st.retry != nil)
			require.Equal(t, tt.wantProblem, st.problem != nil)
			require.Equal(t, tt.wantTries, next.ChargeAttempts)
			if tt.wantStatus == "" {
				require.Nil(t, st.settled)
				require.Nil(t, next.Settled)
				return
			}
			require.Equal(t, tt.wantStatus, st.settled.Status)
			require.Equal(t, st.settled, next.Settled)
			require.NoError(t, order.CheckTransition(order.Created, st.settled.Status), "every outcome is a move out of created")
			require.NotContains(t, st.settled.Reason, "unavailable", "the customer reads no internals")
		})
	}
}

func TestDecidePlaced(t *testing.T) {
	p := ordertest.Placed("o1", "c1", "tok_visa")
	t.Run("an order cancelled before any charge is cancelled, never charged", func(t *testing.T) {
		out := decidePlaced(Entry{CancelRequested: true}, p, ordertest.Epoch)
		require.NotNil(t, out)
		require.Equal(t, order.Cancelled, out.Status)
		require.NoError(t, order.CheckTransition(order.Created, out.Status))
	})
	t.Run("any other order needs a charge", func(t *testing.T) {
		require.Nil(t, decidePlaced(Entry{}, p, ordertest.Epoch))
		require.Nil(t, decidePlaced(Entry{CancelRequested: true, ChargeAttempts: 1}, p, ordertest.Epoch))
	})
}

func TestDecideRefund(t *testing.T) {
	t.Run("a refund made is remembered", func(t *testing.T) {
		next, st := decideRefund(Entry{RefundAttempts: 2}, nil)
		require.True(t, next.Refunded)
		require.Nil(t, st.retry)
	})
	t.Run("a gateway that is down is asked again, however often", func(t *testing.T) {
		next, st := decideRefund(Entry{RefundAttempts: 1000}, gateway.ErrUnavailable)
		require.Equal(t, 1001, next.RefundAttempts)
		require.Error(t, st.retry)
		require.False(t, next.Refunded)
	})
	t.Run("a refused refund goes to a person", func(t *testing.T) {
		next, st := decideRefund(Entry{}, errors.New("charge unknown"))
		require.Error(t, st.problem)
		require.False(t, next.Refunded)
	})
}

func TestDecideCancel(t *testing.T) {
	next, changed := decideCancel(Entry{})
	require.True(t, changed)
	require.True(t, next.CancelRequested)
	_, changed = decideCancel(next)
	require.False(t, changed, "a second cancel changes nothing")
	paid := ordertest.Placed("o1", "c1", "tok_visa")
	settled := settle(paid, order.Paid, "", nil, ordertest.Epoch)
	_, changed = decideCancel(Entry{Settled: &settled})
	require.False(t, changed, "a settled order is shipping's to cancel")
}
