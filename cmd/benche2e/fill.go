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
	"orderflow/topology"
)

// newOrder is order id of customer, placed now, as the API makes them.
func newOrder(id, customer string) order.Order {
	items := []order.Item{{SKU: "mug-01", Quantity: 2, UnitPriceCents: 1250}, {SKU: "tea-07", Quantity: 1, UnitPriceCents: 499}}
	return order.Order{
		ID: id, CustomerID: customer, Items: items, Currency: "EUR", TotalCents: order.Total(items), CreatedAt: time.Now().UTC(),
		ShippingAddress: order.Address{Name: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"},
	}
}

// placed is the new_orders record of order id, in the project's schema.
func placed(id, customer string) ([]byte, error) {
	v, err := json.Marshal(events.OrderPlaced{V: codecs.Version, Order: newOrder(id, customer), PaymentToken: "tok_visa"})
	if err != nil {
		return nil, fmt.Errorf("encoding order %s: %w", id, err)
	}
	return v, nil
}

// place writes the orders ids straight into new_orders, as the API would
// (keyed by id, placed by murmur2, acks=all), but batched: it must outrun
// the stages it feeds. customer names the customer of the i-th.
func (b *bench) place(ctx context.Context, ids []string, customer func(i int) string) error {
	sc, err := b.kafka.Sarama("orderflow-bench-e2e-place")
	if err != nil {
		return err
	}
	sc.Producer.Idempotent = false
	sc.Net.MaxOpenRequests = 5
	sc.Producer.Return.Successes = false
	sc.Producer.Flush.Bytes = 256 << 10
	sc.Producer.Flush.Frequency = 5 * time.Millisecond
	records := func(yield func(*sarama.ProducerMessage, error) bool) {
		for i, id := range ids {
			v, err := placed(id, customer(i))
			m := &sarama.ProducerMessage{Topic: string(topology.NewOrders), Key: sarama.StringEncoder(id), Value: sarama.ByteEncoder(v)}
			if !yield(m, err) {
				return
			}
		}
	}
	if err := benchkit.Produce(ctx, b.cfg.brokers, sc, records); err != nil {
		return fmt.Errorf("placing orders: %w", err)
	}
	return nil
}
