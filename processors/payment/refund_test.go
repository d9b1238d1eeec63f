package payment

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/order"
	"orderflow/retry"
	"orderflow/topology"
)

// refundsDown is the simulated gateway with its refunds out of order until
// told otherwise.
type refundsDown struct {
	*gateway.Simulated
	down atomic.Bool
}

func (g *refundsDown) Refund(ctx context.Context, req gateway.RefundRequest) error {
	if g.down.Load() {
		return gateway.ErrUnavailable
	}
	return g.Simulated.Refund(ctx, req)
}

// startAlone runs the stage without a scheduler, so that a test hands its
// retries back itself, when it chooses; a retry is due a second or more
// after it was scheduled.
func startAlone(t *testing.T, gw Gateway, attempts int) *tester.Tester {
	t.Helper()
	tt := tester.New(t)
	cfg := Config{
		Gateway: gw, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: intake.Limits{MaxRecordBytes: 64 << 10},
		Retry: retry.Policy{Attempts: attempts, Base: time.Second, Max: time.Minute}, Now: ordertest.Clock(),
	}
	proc, err := intake.NewProcessor(nil, Define(cfg), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	return tt
}

// A refund that keeps failing used to retry inside the callback for ever,
// and every charge behind it on the partition waited. Now it is scheduled:
// the callback returns, the next order is charged, and the refund is made
// when the retry comes back and the gateway answers.
func TestAFailingRefundHoldsUpNoOtherOrder(t *testing.T) {
	sim, err := gateway.NewSimulated("")
	require.NoError(t, err)
	gw := &refundsDown{Simulated: sim}
	gw.down.Store(true)
	tt := startAlone(t, gw, 3)
	payed := tt.NewQueueTracker(string(topology.PayedOrders))
	retries := tt.NewQueueTracker(string(topology.Retries))

	tt.Consume(string(topology.NewOrders), "o1", ordertest.Bytes(ordertest.Placed("o1", "c1", "tok_visa")))
	_, v, ok := payed.Next()
	require.True(t, ok)
	paid := v.(events.PaymentSettled)
	cancelled := events.ShipmentSettled{V: codecs.Version, Order: paid.Order, Status: order.Cancelled, Payment: paid.Payment, At: ordertest.Epoch}

	done := make(chan struct{})
	go func() {
		defer close(done)
		tt.Consume(string(topology.SentOrders), "o1", ordertest.Bytes(cancelled))
		tt.Consume(string(topology.NewOrders), "o2", ordertest.Bytes(ordertest.Placed("o2", "c1", "tok_visa")))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the failing refund held up the partition")
	}
	_, v, ok = payed.Next()
	require.True(t, ok, "the order behind the refund was charged")
	require.Equal(t, "o2", v.(events.PaymentSettled).Order.ID)
	require.Zero(t, sim.Refunds())

	_, v, ok = retries.Next()
	require.True(t, ok, "the refund is scheduled")
	r := v.([]byte)
	sched, err := codecs.Decode[events.RetryScheduled](r)
	require.NoError(t, err)
	require.Equal(t, "refund", sched.Action)
	require.True(t, sched.DueAt.After(ordertest.Epoch.Add(500*time.Millisecond)), "due after the backoff")

	gw.down.Store(false)
	tt.Consume(string(topology.Loop(topology.PaymentGroup)), "o1", r)
	require.Equal(t, 1, sim.Refunds(), "the refund is made when the retry comes back")
	require.True(t, tt.TableValue(topology.PaymentTable, "o1").(Entry).Refunded)

	tt.Consume(string(topology.Loop(topology.PaymentGroup)), "o1", r)
	require.Equal(t, 1, sim.Refunds(), "a copy of the retry refunds nothing more")
}

// Copies of a retry (a redelivered retry, a repeated input while one is
// pending) used to send the pending retry again each time, so that chains
// of duplicates ran side by side until the order settled. Only the pending
// retry is acted on now, and only the record that scheduled it sends it
// again.
func TestCopiesOfARetryDoNotMultiply(t *testing.T) {
	sim, err := gateway.NewSimulated("")
	require.NoError(t, err)
	tt := startAlone(t, sim, 10)
	retries := tt.NewQueueTracker(string(topology.Retries))
	placed := ordertest.Bytes(ordertest.Placed("o1", "c1", gateway.TokenUnavailable))
	loop := string(topology.Loop(topology.PaymentGroup))

	tt.Consume(string(topology.NewOrders), "o1", placed)
	_, first, ok := retries.Next()
	require.True(t, ok, "the failed charge is scheduled")

	tt.Consume(string(topology.NewOrders), "o1", placed)
	_, _, ok = retries.Next()
	require.False(t, ok, "the same order written again while its retry is pending sends nothing")

	tt.Consume(loop, "o1", first)
	_, second, ok := retries.Next()
	require.True(t, ok, "the pending retry is acted on and the next one scheduled")
	tt.Consume(loop, "o1", first)
	_, _, ok = retries.Next()
	require.False(t, ok, "a copy of an old retry does nothing")
	require.Equal(t, 2, tt.TableValue(topology.PaymentTable, "o1").(Entry).ChargeAttempts)

	r, err := codecs.Decode[events.RetryScheduled](second.([]byte))
	require.NoError(t, err)
	require.Equal(t, 2, r.Attempt)
	require.Equal(t, 2, sim.Requests(), "one gateway call per acted-on attempt, none for copies")
}
