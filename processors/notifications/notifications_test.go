package notifications

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/notify"
	"orderflow/order"
	"orderflow/processors/scheduler"
	"orderflow/retry"
	"orderflow/topology"
)

// fakeNotifier records what it delivers and can be down for a while.
type fakeNotifier struct {
	mu       sync.Mutex
	sent     []notify.Message
	failures int
}

func (f *fakeNotifier) Notify(ctx context.Context, m notify.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return errors.New("nats: no servers available for connection")
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeNotifier) messages() []notify.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notify.Message(nil), f.sent...)
}

type fixture struct {
	tt       *tester.Tester
	notifier *fakeNotifier
	notified *tester.QueueTracker
	dead     *tester.QueueTracker
}

func start(t *testing.T, failures int) *fixture {
	t.Helper()
	tt := tester.New(t)
	n := &fakeNotifier{failures: failures}
	cfg := Config{
		Notifier: n,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Retry:    retry.Policy{Base: time.Microsecond, Max: time.Microsecond},
		Limits:   intake.Limits{MaxRecordBytes: 64 << 10},
		Now:      ordertest.Clock(),
	}
	proc, err := intake.NewProcessor(nil, Define(cfg), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	sched, err := intake.NewProcessor(nil, scheduler.Define(scheduler.Config{Logger: cfg.Logger, Now: cfg.Now}), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, sched)
	return &fixture{tt: tt, notifier: n, notified: tt.NewQueueTracker(string(topology.NotifiedOrders)), dead: tt.NewQueueTracker(string(topology.DeadLetters))}
}

func shipmentSettled(id string, status order.Status) events.ShipmentSettled {
	s := events.ShipmentSettled{V: codecs.Version, Order: ordertest.Order(id, "c1"), Status: status, At: ordertest.Epoch}
	switch status {
	case order.Shipped:
		s.Payment = &order.Payment{ChargeID: "ch_1", AmountCents: s.Order.TotalCents, Currency: "EUR"}
		s.Shipment = &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP1"}
	case order.PaymentFailed:
		s.Reason = "card declined"
	default: // the other outcomes carry nothing more
	}
	return s
}

func (f *fixture) settle(id string, status order.Status) {
	f.tt.Consume(string(topology.SentOrders), id, ordertest.Bytes(shipmentSettled(id, status)))
}

func TestNotifications(t *testing.T) {
	tests := []struct {
		name   string
		status order.Status
		text   string
	}{
		{"a shipped order's customer is told the tracking number", order.Shipped, "tracking number SP1"},
		{"a declined order's customer is told nothing was charged", order.PaymentFailed, "card declined"},
		{"a cancelled order's customer is told it is cancelled", order.Cancelled, "is cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, 0)
			f.settle("o1", tt.status)
			msgs := f.notifier.messages()
			require.Len(t, msgs, 1)
			require.Equal(t, "c1", msgs[0].CustomerID)
			require.Equal(t, order.Told(tt.status), msgs[0].Status, "the status the API shows")
			require.Contains(t, msgs[0].Text, tt.text)
			key, v, ok := f.notified.Next()
			require.True(t, ok)
			require.Equal(t, "o1", key)
			require.Equal(t, "orders.notifications.c1", v.(events.CustomerNotified).Subject)
		})
	}

	t.Run("the same outcome delivered twice notifies once and re-emits the record", func(t *testing.T) {
		f := start(t, 0)
		f.settle("o1", order.Shipped)
		_, first, ok := f.notified.Next()
		require.True(t, ok)
		f.settle("o1", order.Shipped)
		_, again, ok := f.notified.Next()
		require.True(t, ok)
		require.Equal(t, first, again)
		require.Len(t, f.notifier.messages(), 1)
	})

	t.Run("an order's first delivery writes one table record, the one that says it was made", func(t *testing.T) {
		f := start(t, 0)
		table := f.tt.NewQueueTracker(string(topology.NotificationsTable))
		f.settle("o1", order.Shipped)
		_, v, ok := table.Next()
		require.True(t, ok)
		require.NotNil(t, v.(Entry).Notified)
		require.Nil(t, v.(Entry).Call)
		_, _, ok = table.Next()
		require.False(t, ok, "the delivery is not recorded as out first")
	})

	t.Run("a notifier that is down is retried until it delivers", func(t *testing.T) {
		f := start(t, 5)
		f.settle("o1", order.Shipped)
		require.Len(t, f.notifier.messages(), 1)
	})

	t.Run("a malformed record goes to dead letters and nobody is told", func(t *testing.T) {
		f := start(t, 0)
		f.tt.Consume(string(topology.SentOrders), "o1", []byte(`{"v":2}`))
		hdr, _, _, ok := f.dead.NextWithHeaders()
		require.True(t, ok)
		require.Contains(t, string(hdr[intake.HeaderError]), "unknown schema version")
		require.Empty(t, f.notifier.messages())
	})
}

func TestOnlyTheAnswerToTheDeliveryOutIsTaken(t *testing.T) {
	answer := func(attempt int, by string) events.CallAnswered {
		return events.CallAnswered{Call: events.Call{Action: actionNotify, Attempt: attempt, StartedBy: by}}
	}
	retried := events.Call{Action: actionNotify, Attempt: 1, StartedBy: "notifications-loop/0@7"}
	told := &events.CustomerNotified{}
	pending := &events.RetryScheduled{}
	tests := []struct {
		name string
		e    Entry
		a    events.CallAnswered
		want bool
	}{
		{"the first delivery, never recorded", Entry{}, answer(0, "sent_orders/0@3"), true},
		{"the first delivery made again by a copy of the input", Entry{}, answer(0, "sent_orders/0@9"), true},
		{"the first delivery once the customer was told", Entry{Notified: told}, answer(0, "sent_orders/0@3"), false},
		{"the first delivery once a retry is pending", Entry{Attempts: 1, Retry: pending}, answer(0, "sent_orders/0@3"), false},
		{"the first delivery while a retried one is out", Entry{Attempts: 1, Retry: pending, Call: &retried}, answer(0, "sent_orders/0@3"), false},
		{"the retried delivery recorded as out", Entry{Attempts: 1, Retry: pending, Call: &retried}, answer(1, retried.StartedBy), true},
		{"another action", Entry{}, events.CallAnswered{Call: events.Call{Action: "charge"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, answers(tt.e, tt.a))
		})
	}
}
