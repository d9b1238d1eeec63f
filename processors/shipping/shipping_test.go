package shipping

import (
	"io"
	"log/slog"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/order"
	"orderflow/topology"
)

type fixture struct {
	tt   *tester.Tester
	sent *tester.QueueTracker
	dead *tester.QueueTracker
}

func start(t *testing.T) *fixture {
	t.Helper()
	tt := tester.New(t)
	cfg := Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: intake.Limits{MaxRecordBytes: 64 << 10}, Now: ordertest.Clock()}
	proc, err := intake.NewProcessor(nil, Define(cfg), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	return &fixture{tt: tt, sent: tt.NewQueueTracker(string(topology.SentOrders)), dead: tt.NewQueueTracker(string(topology.DeadLetters))}
}

func settled(id string, status order.Status) events.PaymentSettled {
	p := events.PaymentSettled{V: codecs.Version, Order: ordertest.Order(id, "c1"), Status: status, At: ordertest.Epoch}
	if status == order.Paid {
		p.Payment = &order.Payment{ChargeID: "ch_1", AmountCents: p.Order.TotalCents, Currency: "EUR"}
	}
	return p
}

func (f *fixture) pay(id string, status order.Status) {
	f.tt.Consume(string(topology.PayedOrders), id, ordertest.Bytes(settled(id, status)))
}

func (f *fixture) cancel(id string) {
	f.tt.Consume(string(topology.OrderCancellations), id, ordertest.Bytes(events.CancelRequested{V: codecs.Version, OrderID: id, CustomerID: "c1", At: ordertest.Epoch}))
}

func (f *fixture) next(t *testing.T) events.ShipmentSettled {
	t.Helper()
	key, v, ok := f.sent.Next()
	require.True(t, ok, "expected a record on sent_orders")
	s := v.(events.ShipmentSettled)
	require.Equal(t, s.Order.ID, key)
	return s
}

func (f *fixture) requireNone(t *testing.T) {
	t.Helper()
	_, _, ok := f.sent.Next()
	require.False(t, ok, "expected nothing more on sent_orders")
}

func TestShipping(t *testing.T) {
	t.Run("a paid order is shipped with a tracking number", func(t *testing.T) {
		f := start(t)
		f.pay("o1", order.Paid)
		s := f.next(t)
		require.Equal(t, order.Shipped, s.Status)
		require.NotEmpty(t, s.Shipment.TrackingNumber)
		require.NotNil(t, s.Payment)
		f.requireNone(t)
	})

	t.Run("a declined order is passed on unshipped", func(t *testing.T) {
		f := start(t)
		f.pay("o1", order.PaymentFailed)
		s := f.next(t)
		require.Equal(t, order.PaymentFailed, s.Status)
		require.Nil(t, s.Shipment)
	})

	t.Run("an order cancelled before payment is passed on unshipped", func(t *testing.T) {
		f := start(t)
		f.cancel("o1")
		f.pay("o1", order.Cancelled)
		s := f.next(t)
		require.Equal(t, order.Cancelled, s.Status)
		require.Nil(t, s.Shipment)
		require.False(t, s.RefundDue())
	})

	t.Run("a paid order cancelled before shipping is not shipped and is refunded", func(t *testing.T) {
		f := start(t)
		f.cancel("o1")
		f.requireNone(t)
		f.pay("o1", order.Paid)
		s := f.next(t)
		require.Equal(t, order.Cancelled, s.Status)
		require.Nil(t, s.Shipment)
		require.True(t, s.RefundDue())
	})

	t.Run("a cancel after shipping is refused", func(t *testing.T) {
		f := start(t)
		f.pay("o1", order.Paid)
		require.Equal(t, order.Shipped, f.next(t).Status)
		f.cancel("o1")
		f.requireNone(t)
		require.Equal(t, order.Shipped, f.tt.TableValue(topology.ShippingTable, "o1").(Entry).Settled.Status)
	})

	t.Run("the same payment delivered twice ships once and re-emits the outcome", func(t *testing.T) {
		f := start(t)
		f.pay("o1", order.Paid)
		first := f.next(t)
		f.pay("o1", order.Paid)
		again := f.next(t)
		require.Equal(t, first, again)
		f.requireNone(t)
	})

	t.Run("a malformed record goes to dead letters and the next order still ships", func(t *testing.T) {
		f := start(t)
		f.tt.Consume(string(topology.PayedOrders), "o1", []byte("{"))
		hdr, _, _, ok := f.dead.NextWithHeaders()
		require.True(t, ok)
		require.Equal(t, "payed_orders", string(hdr[intake.HeaderTopic]))
		f.requireNone(t)
		f.pay("o2", order.Paid)
		require.Equal(t, order.Shipped, f.next(t).Status)
	})
}
