package orders

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"orderflow/events"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/metrics"
	"orderflow/order"
	"orderflow/topology"
)

func start(t *testing.T) *tester.Tester {
	t.Helper()
	tt := tester.New(t)
	proc, err := intake.NewProcessor(nil, Define(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: intake.Limits{MaxRecordBytes: 64 << 10}}),
		goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	return tt
}

// reports of one shipped order, one per topic, in pipeline order.
func reports(id string) map[goka.Stream]any {
	o := ordertest.Order(id, "c1")
	at := func(s int) time.Time { return ordertest.Epoch.Add(time.Duration(s) * time.Second) }
	pay := &order.Payment{ChargeID: "ch_1", AmountCents: o.TotalCents, Currency: o.Currency}
	return map[goka.Stream]any{
		topology.NewOrders:      events.OrderPlaced{V: 1, Order: o, PaymentToken: "tok_visa"},
		topology.PayedOrders:    events.PaymentSettled{V: 1, Order: o, Status: order.Paid, Payment: pay, At: at(1)},
		topology.SentOrders:     events.ShipmentSettled{V: 1, Order: o, Status: order.Shipped, Payment: pay, Shipment: &order.Shipment{Carrier: "c", TrackingNumber: "SP1"}, At: at(2)},
		topology.NotifiedOrders: events.CustomerNotified{V: 1, OrderID: id, CustomerID: "c1", Status: order.Shipped, Subject: "orders.notifications.c1", At: at(3)},
	}
}

func TestOrdersFollowsTheOrderThroughEveryStage(t *testing.T) {
	orders := []struct {
		name  string
		topic []goka.Stream
	}{
		{"in pipeline order", []goka.Stream{topology.NewOrders, topology.PayedOrders, topology.SentOrders, topology.NotifiedOrders}},
		{"backwards", []goka.Stream{topology.NotifiedOrders, topology.SentOrders, topology.PayedOrders, topology.NewOrders}},
		{"shuffled and repeated", []goka.Stream{topology.SentOrders, topology.NewOrders, topology.SentOrders, topology.NotifiedOrders, topology.PayedOrders, topology.NewOrders}},
	}
	for _, tc := range orders {
		t.Run("reports arriving "+tc.name+" give the same history", func(t *testing.T) {
			tt := start(t)
			r := reports("o1")
			for _, topic := range tc.topic {
				tt.Consume(string(topic), "o1", ordertest.Bytes(r[topic]))
			}
			st := tt.TableValue(topology.OrdersTable, "o1").(events.OrderState)
			require.Equal(t, order.Notified, st.Status)
			var got []order.Status
			for _, h := range st.History {
				got = append(got, h.Status)
			}
			require.Equal(t, []order.Status{order.Created, order.Paid, order.Shipped, order.Notified}, got)
			require.Equal(t, "c1", st.Order.CustomerID)
			require.Equal(t, "SP1", st.Shipment.TrackingNumber)
			require.Equal(t, "ch_1", st.Payment.ChargeID)
			require.NotNil(t, st.NotifiedAt)
		})
	}
}

func TestOrdersRecordsFailuresAndCancellations(t *testing.T) {
	t.Run("a declined order shows payment_failed with the reason", func(t *testing.T) {
		tt := start(t)
		o := ordertest.Order("o1", "c1")
		tt.Consume(string(topology.NewOrders), "o1", ordertest.Bytes(events.OrderPlaced{V: 1, Order: o, PaymentToken: "tok_decline"}))
		tt.Consume(string(topology.PayedOrders), "o1", ordertest.Bytes(events.PaymentSettled{V: 1, Order: o, Status: order.PaymentFailed, Reason: "card declined", At: ordertest.Epoch}))
		st := tt.TableValue(topology.OrdersTable, "o1").(events.OrderState)
		require.Equal(t, order.PaymentFailed, st.Status)
		require.Equal(t, "card declined", st.History[1].Reason)
	})

	t.Run("an order cancelled after payment shows cancelled and refunded", func(t *testing.T) {
		tt := start(t)
		o := ordertest.Order("o1", "c1")
		pay := &order.Payment{ChargeID: "ch_1", AmountCents: o.TotalCents, Currency: "EUR"}
		tt.Consume(string(topology.NewOrders), "o1", ordertest.Bytes(events.OrderPlaced{V: 1, Order: o, PaymentToken: "tok_visa"}))
		tt.Consume(string(topology.OrderCancellations), "o1", ordertest.Bytes(events.CancelRequested{V: 1, OrderID: "o1", CustomerID: "c1", At: ordertest.Epoch}))
		tt.Consume(string(topology.PayedOrders), "o1", ordertest.Bytes(events.PaymentSettled{V: 1, Order: o, Status: order.Paid, Payment: pay, At: ordertest.Epoch}))
		tt.Consume(string(topology.SentOrders), "o1", ordertest.Bytes(events.ShipmentSettled{V: 1, Order: o, Status: order.Cancelled, Payment: pay, At: ordertest.Epoch}))
		st := tt.TableValue(topology.OrdersTable, "o1").(events.OrderState)
		require.Equal(t, order.Cancelled, st.Status)
		require.NotNil(t, st.CancelRequestedAt)
		require.True(t, st.Payment.Refunded)
	})

	t.Run("a report that contradicts the history goes to dead letters", func(t *testing.T) {
		tt := start(t)
		dead := tt.NewQueueTracker(string(topology.DeadLetters))
		o := ordertest.Order("o1", "c1")
		tt.Consume(string(topology.PayedOrders), "o1", ordertest.Bytes(events.PaymentSettled{V: 1, Order: o, Status: order.PaymentFailed, Reason: "x", At: ordertest.Epoch}))
		tt.Consume(string(topology.SentOrders), "o1", ordertest.Bytes(reports("o1")[topology.SentOrders]))
		_, _, ok := dead.Next()
		require.True(t, ok)
		require.Equal(t, order.PaymentFailed, tt.TableValue(topology.OrdersTable, "o1").(events.OrderState).Status)
	})
}

// startCounting runs the group with metrics.
func startCounting(t *testing.T) (*tester.Tester, *metrics.Pipeline) {
	t.Helper()
	tt := tester.New(t)
	m := metrics.NewPipeline(metrics.NewRegistry(), nil, nil)
	proc, err := intake.NewProcessor(nil, Define(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m}), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	return tt, m
}

func TestOrdersCountsThePipeline(t *testing.T) {
	tt, m := startCounting(t)

	r := reports("o1")
	for _, topic := range []goka.Stream{topology.NewOrders, topology.PayedOrders, topology.SentOrders, topology.NotifiedOrders, topology.NotifiedOrders} {
		tt.Consume(string(topic), "o1", ordertest.Bytes(r[topic]))
	}
	tt.Consume(string(topology.DeadLetters), "o2", []byte("junk"), tester.WithHeaders(goka.Headers{"dlq.source.topic": []byte("new_orders"), "dlq.group": []byte("payment"), "dlq.reason": []byte("malformed")}))
	tt.Consume(string(topology.DeadLetters), "o3", []byte("junk"), tester.WithHeaders(goka.Headers{"dlq.source.topic": []byte("new_orders"), "dlq.group": []byte("payment")}))

	require.Equal(t, 1.0, testutil.ToFloat64(m.Events.WithLabelValues("new_orders", "created")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.Events.WithLabelValues("sent_orders", "shipped")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.Terminal.WithLabelValues("notified")), "a repeated report is counted once")
	require.Equal(t, 1.0, testutil.ToFloat64(m.DeadLetters.WithLabelValues("new_orders", "payment", "malformed")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.DeadLetters.WithLabelValues("new_orders", "payment", "other")), "a dead letter from before reasons were written")
}

// A report of the telling may reach the group before the order itself (the
// group reads each topic on its own). The time from creation is then
// unknown: it used to be observed from the zero time, about 2,000 years.
func TestOrdersObservesEndToEndTimeOnlyForKnownOrders(t *testing.T) {
	tt, m := startCounting(t)

	r := reports("o1")
	for _, topic := range []goka.Stream{topology.NotifiedOrders, topology.NewOrders, topology.PayedOrders, topology.SentOrders} {
		tt.Consume(string(topic), "o1", ordertest.Bytes(r[topic]))
	}
	require.Equal(t, 1.0, testutil.ToFloat64(m.Terminal.WithLabelValues("notified")), "the order is still counted")
	require.Equal(t, order.Notified, tt.TableValue(topology.OrdersTable, "o1").(events.OrderState).Status)
	var sample dto.Metric
	require.NoError(t, m.EndToEnd.WithLabelValues("notified").(prometheus.Histogram).Write(&sample))
	require.Zero(t, sample.GetHistogram().GetSampleCount(), "no time observed from an unknown creation")

	tt.Consume(string(topology.NotifiedOrders), "o2", ordertest.Bytes(reports("o2")[topology.NotifiedOrders]))
	tt.Consume(string(topology.NewOrders), "o3", ordertest.Bytes(reports("o3")[topology.NewOrders]))
	tt.Consume(string(topology.NotifiedOrders), "o3", ordertest.Bytes(reports("o3")[topology.NotifiedOrders]))
	require.NoError(t, m.EndToEnd.WithLabelValues("notified").(prometheus.Histogram).Write(&sample))
	require.Equal(t, uint64(1), sample.GetHistogram().GetSampleCount(), "a known order's time is observed")
	require.Less(t, sample.GetHistogram().GetSampleSum(), 60.0)
}

// Every table record of a known order carries the headers the API's index
// reads instead of decoding the record.
func TestTableRecordsCarryTheIndexHeaders(t *testing.T) {
	tt := start(t)
	table := tt.NewQueueTracker(string(topology.OrdersTable))
	r := reports("o1")
	for _, topic := range []goka.Stream{topology.NewOrders, topology.PayedOrders} {
		tt.Consume(string(topic), "o1", r[topic])
	}
	for range 2 {
		h, key, _, ok := table.NextWithHeaders()
		require.True(t, ok)
		require.Equal(t, "o1", key)
		customer, created, ok := events.FromIndexHeaders(h)
		require.True(t, ok, "headers %v", h)
		require.Equal(t, "c1", customer)
		require.True(t, ordertest.Order("o1", "c1").CreatedAt.Equal(created))
	}
}
