package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/benchkit"
	"orderflow/order"
	"orderflow/processors/notifications"
	"orderflow/processors/payment"
	"orderflow/processors/shipping"
	"orderflow/topology"
)

// epoch is when the first filled order was placed; order i came i ms later.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func orderID(i int) string { return fmt.Sprintf("bs-%d", i) }

func (b *bench) customer(i int) string { return fmt.Sprintf("bscust-%d", i/b.cfg.perCust) }

// fill writes orders [from, to) to the four group tables, as the groups
// would have written them for a shipped and notified order (headers
// included): what a shop's history looks like.
func (b *bench) fill(ctx context.Context, from, to int) error {
	records := func(yield func(*sarama.ProducerMessage, error) bool) {
		for i := from; i < to; i++ {
			for table, value := range b.records(i) {
				m := &sarama.ProducerMessage{Topic: table, Key: sarama.StringEncoder(orderID(i)), Value: sarama.ByteEncoder(value)}
				if table == string(topology.OrdersTable) {
					for k, v := range events.IndexHeaders(b.order(i)) {
						m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(k), Value: v})
					}
				}
				if !yield(m, nil) {
					return
				}
			}
		}
	}
	if err := benchkit.Produce(ctx, b.cfg.brokers, b.fillConfig(), records); err != nil {
		return fmt.Errorf("filling: %w", err)
	}
	return nil
}

// fillConfig batches for throughput: filling is set-up, not a measurement.
func (b *bench) fillConfig() *sarama.Config {
	sc := *b.sarama
	sc.Producer.Idempotent = false
	sc.Net.MaxOpenRequests = 5
	sc.Producer.RequiredAcks = sarama.WaitForLocal
	sc.Producer.Return.Successes = false
	sc.Producer.Flush.Bytes = 512 << 10
	sc.Producer.Flush.Frequency = 20 * time.Millisecond
	return &sc
}

// order returns order i.
func (b *bench) order(i int) order.Order {
	items := []order.Item{{SKU: "mug-01", Quantity: 2, UnitPriceCents: 1250}, {SKU: "tea-07", Quantity: 1, UnitPriceCents: 499}}
	return order.Order{
		ID: orderID(i), CustomerID: b.customer(i), Items: items, Currency: "EUR", TotalCents: order.Total(items),
		CreatedAt:       epoch.Add(time.Duration(i) * time.Millisecond),
		ShippingAddress: order.Address{Name: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"},
	}
}

// records returns order i as each group table holds it.
func (b *bench) records(i int) map[string][]byte {
	o := b.order(i)
	at := o.CreatedAt
	pay := &order.Payment{ChargeID: "ch_" + o.ID, AmountCents: o.TotalCents, Currency: o.Currency}
	ship := &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP" + o.ID}
	paid := events.PaymentSettled{V: codecs.Version, Order: o, Status: order.Paid, Payment: pay, At: at.Add(10 * time.Millisecond)}
	sent := events.ShipmentSettled{V: codecs.Version, Order: o, Status: order.Shipped, Payment: pay, Shipment: ship, At: at.Add(20 * time.Millisecond)}
	told := events.CustomerNotified{V: codecs.Version, OrderID: o.ID, CustomerID: o.CustomerID, Status: order.Shipped, Subject: "orders.notifications." + o.CustomerID, At: at.Add(30 * time.Millisecond)}
	st := events.OrderState{V: codecs.Version, State: order.State{
		Order: o, Status: order.Notified, Payment: pay, Shipment: ship, NotifiedAt: &told.At,
		History: []order.Change{{Status: order.Created, At: at}, {Status: order.Paid, At: paid.At}, {Status: order.Shipped, At: sent.At}, {Status: order.Notified, At: told.At}},
	}}
	return map[string][]byte{
		string(topology.OrdersTable):        mustJSON(st),
		string(topology.PaymentTable):       mustJSON(payment.Entry{V: codecs.Version, Settled: &paid}),
		string(topology.ShippingTable):      mustJSON(shipping.Entry{V: codecs.Version, Settled: &sent}),
		string(topology.NotificationsTable): mustJSON(notifications.Entry{V: codecs.Version, Notified: &told}),
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encoding %T: %v", v, err)) // our own types always encode
	}
	return b
}
