package payment

import (
	"io"
	"log/slog"
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
	"orderflow/processors/scheduler"
	"orderflow/retry"
	"orderflow/topology"
)

type fixture struct {
	tt    *tester.Tester
	gw    *gateway.Simulated
	payed *tester.QueueTracker
	dead  *tester.QueueTracker
}

func start(t *testing.T) *fixture {
	t.Helper()
	tt := tester.New(t)
	gw, err := gateway.NewSimulated("")
	require.NoError(t, err)
	cfg := Config{
		Gateway: gw,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Retry:   retry.Policy{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond},
		Limits:  intake.Limits{MaxRecordBytes: 64 << 10},
		Now:     ordertest.Clock(),
	}
	proc, err := intake.NewProcessor(nil, Define(cfg), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	// Retries come back through the scheduler, as in production.
	sched, err := intake.NewProcessor(nil, scheduler.Define(scheduler.Config{Logger: cfg.Logger, Now: cfg.Now}), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, sched)
	return &fixture{tt: tt, gw: gw, payed: tt.NewQueueTracker(string(topology.PayedOrders)), dead: tt.NewQueueTracker(string(topology.DeadLetters))}
}

func (f *fixture) place(id, token string) {
	f.tt.Consume(string(topology.NewOrders), id, ordertest.Bytes(ordertest.Placed(id, "c1", token)))
}

func (f *fixture) cancel(id string) {
	f.tt.Consume(string(topology.OrderCancellations), id, ordertest.Bytes(events.CancelRequested{V: codecs.Version, OrderID: id, CustomerID: "c1", At: ordertest.Epoch}))
}

func (f *fixture) nextPayed(t *testing.T) events.PaymentSettled {
	t.Helper()
	key, v, ok := f.payed.Next()
	require.True(t, ok, "expected a record on payed_orders")
	p := v.(events.PaymentSettled)
	require.Equal(t, p.Order.ID, key)
	return p
}

func (f *fixture) requireNoPayed(t *testing.T) {
	t.Helper()
	_, _, ok := f.payed.Next()
	require.False(t, ok, "expected nothing more on payed_orders")
}

func TestPayment(t *testing.T) {
	t.Run("an order with a good card is charged and paid", func(t *testing.T) {
		f := start(t)
		f.place("o1", "tok_visa")
		p := f.nextPayed(t)
		require.Equal(t, order.Paid, p.Status)
		require.Equal(t, int64(2999), p.Payment.AmountCents)
		require.Equal(t, 1, f.gw.Charges())
		f.requireNoPayed(t)
	})

	t.Run("a declined card ends the order payment_failed with the reason", func(t *testing.T) {
		f := start(t)
		f.place("o1", gateway.TokenDecline)
		p := f.nextPayed(t)
		require.Equal(t, order.PaymentFailed, p.Status)
		require.Equal(t, "card declined", p.Reason)
		require.Nil(t, p.Payment)
		require.Zero(t, f.gw.Charges())
	})

	t.Run("an order cancelled before payment is never charged", func(t *testing.T) {
		f := start(t)
		f.cancel("o1")
		f.requireNoPayed(t)
		f.place("o1", "tok_visa")
		p := f.nextPayed(t)
		require.Equal(t, order.Cancelled, p.Status)
		require.Zero(t, f.gw.Charges())
	})

	t.Run("a cancel after payment is left to shipping", func(t *testing.T) {
		f := start(t)
		f.place("o1", "tok_visa")
		require.Equal(t, order.Paid, f.nextPayed(t).Status)
		f.cancel("o1")
		f.requireNoPayed(t)
		require.Equal(t, 1, f.gw.Charges())
	})

	t.Run("the same order delivered twice is charged once and its outcome re-emitted", func(t *testing.T) {
		f := start(t)
		f.place("o1", "tok_visa")
		first := f.nextPayed(t)
		f.place("o1", "tok_visa")
		again := f.nextPayed(t)
		require.Equal(t, first, again)
		require.Equal(t, 1, f.gw.Charges())
	})

	t.Run("a charge made again after a crash writes its entry again first", func(t *testing.T) {
		// The local entry holds the call, but the broker may never have
		// got it: the call waits for a write of its own (intake.Calls).
		f := start(t)
		table := f.tt.NewQueueTracker(string(topology.PaymentTable))
		f.tt.SetTableValue(topology.PaymentTable, "o1", Entry{V: codecs.Version,
			Call: &events.Call{Action: actionCharge, StartedBy: string(topology.NewOrders) + "/0@0"}})
		f.place("o1", "tok_visa")
		require.Equal(t, order.Paid, f.nextPayed(t).Status)
		_, v, ok := table.Next()
		require.True(t, ok)
		require.NotNil(t, v.(Entry).Call, "the call written before it is made")
		_, v, ok = table.Next()
		require.True(t, ok)
		require.NotNil(t, v.(Entry).Settled, "then the answer")
		require.Equal(t, 1, f.gw.Charges())
	})

	t.Run("a gateway that recovers within the retries still charges once", func(t *testing.T) {
		f := start(t)
		f.place("o1", gateway.TokenFlaky)
		require.Equal(t, order.Paid, f.nextPayed(t).Status)
		require.Equal(t, 1, f.gw.Charges())
	})

	t.Run("a gateway that stays down fails the order and keeps a dead letter", func(t *testing.T) {
		f := start(t)
		f.place("o1", gateway.TokenUnavailable)
		p := f.nextPayed(t)
		require.Equal(t, order.PaymentFailed, p.Status)
		require.Equal(t, "the payment provider did not answer", p.Reason, "the customer reads no internals")
		hdr, key, _, ok := f.dead.NextWithHeaders()
		require.True(t, ok)
		require.Equal(t, "o1", key)
		require.Equal(t, string(topology.Loop(topology.PaymentGroup)), string(hdr[intake.HeaderTopic]), "the last attempt came back from the scheduler")
		require.Contains(t, string(hdr[intake.HeaderError]), "unavailable", "the dead letter keeps the detail")
		require.Contains(t, string(hdr[intake.HeaderError]), "attempt 3")
		require.Equal(t, intake.ReasonCallFailed, string(hdr[intake.HeaderReason]), "counted as a call that failed for good")
		require.Equal(t, 3, f.tt.TableValue(topology.PaymentTable, "o1").(Entry).ChargeAttempts+1)
	})

	t.Run("an order that shipping cancelled after payment is refunded once", func(t *testing.T) {
		f := start(t)
		f.place("o1", "tok_visa")
		p := f.nextPayed(t)
		cancelled := events.ShipmentSettled{V: codecs.Version, Order: p.Order, Status: order.Cancelled, Payment: p.Payment, At: ordertest.Epoch}
		f.tt.Consume(string(topology.SentOrders), "o1", ordertest.Bytes(cancelled))
		f.tt.Consume(string(topology.SentOrders), "o1", ordertest.Bytes(cancelled))
		require.Equal(t, 1, f.gw.Refunds())
		require.True(t, f.tt.TableValue(topology.PaymentTable, "o1").(Entry).Refunded)
	})
}

func TestPaymentSetsBadRecordsAside(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		value  []byte
		reason string
	}{
		{"invalid JSON", "o1", []byte("{not json"), "malformed"},
		{"JSON of the wrong shape", "o1", []byte(`{"hello":"world"}`), "no schema version"},
		{"an unknown version", "o1", []byte(`{"v":99,"order":{}}`), "unknown schema version"},
		{"an empty value", "o1", nil, "empty value"},
		{"a value over the size limit", "o1", make([]byte, 65<<10), "too large"},
		{"no key", "", ordertest.Bytes(ordertest.Placed("o1", "c1", "tok_visa")), "no key"},
		{"a key that is not the order id", "o2", ordertest.Bytes(ordertest.Placed("o1", "c1", "tok_visa")), "not the order id"},
		{"an invalid order", "o1", ordertest.Bytes(events.OrderPlaced{V: 1, Order: order.Order{ID: "o1"}, PaymentToken: "t"}), "invalid record"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" goes to dead letters and the next order is still paid", func(t *testing.T) {
			f := start(t)
			f.tt.Consume(string(topology.NewOrders), tt.key, tt.value)
			hdr, key, value, ok := f.dead.NextWithHeaders()
			require.True(t, ok)
			require.Equal(t, tt.key, key)
			require.Equal(t, len(tt.value), len(value.([]byte)))
			require.Contains(t, string(hdr[intake.HeaderError]), tt.reason)
			require.Equal(t, "new_orders", string(hdr[intake.HeaderTopic]))
			require.NotEmpty(t, hdr[intake.HeaderOffset])
			f.requireNoPayed(t)

			f.place("o9", "tok_visa")
			require.Equal(t, order.Paid, f.nextPayed(t).Status)
		})
	}
}
