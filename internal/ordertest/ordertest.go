// Package ordertest builds orders and records for tests.
package ordertest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
)

// Epoch is the fixed time tests use.
var Epoch = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Clock returns a clock that always reads Epoch.
func Clock() func() time.Time { return func() time.Time { return Epoch } }

// Order returns a valid order with the given id and customer.
func Order(id, customer string) order.Order {
	items := []order.Item{{SKU: "mug-01", Quantity: 2, UnitPriceCents: 1250}, {SKU: "tea-07", Quantity: 1, UnitPriceCents: 499}}
	return order.Order{
		ID:         id,
		CustomerID: customer,
		Items:      items,
		Currency:   "EUR",
		ShippingAddress: order.Address{
			Name: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB",
		},
		TotalCents: order.Total(items),
		CreatedAt:  Epoch,
	}
}

// Placed returns the new_orders record of an order paid with token.
func Placed(id, customer, token string) events.OrderPlaced {
	return events.OrderPlaced{V: codecs.Version, Order: Order(id, customer), PaymentToken: token}
}

// Bytes encodes a record as the JSON that goes on a topic.
func Bytes(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Quiet is a goka logger that drops goka's own lines in tests.
type Quiet struct{}

// Print implements goka.Logger.
func (Quiet) Print(...any) {}

// Println implements goka.Logger.
func (Quiet) Println(...any) {}

// Printf implements goka.Logger.
func (Quiet) Printf(string, ...any) {}

// Runner is what RunProcessor runs: a goka processor or view.
type Runner interface {
	Run(ctx context.Context) error
}

// Run runs r until the test ends, and requires it to stop cleanly then.
func Run(t testing.TB, r Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
}
