package order

import "time"

// Order is what a customer placed. It never changes after creation; what
// happens to it afterwards is recorded in a State.
type Order struct {
	ID              string    `json:"id"`
	CustomerID      string    `json:"customer_id"`
	Items           []Item    `json:"items"`
	Currency        string    `json:"currency"`
	ShippingAddress Address   `json:"shipping_address"`
	TotalCents      int64     `json:"total_cents"`
	CreatedAt       time.Time `json:"created_at"`
}

// Item is one line of an order. Prices are in minor units (cents) so that
// totals are exact.
type Item struct {
	SKU            string `json:"sku"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

// Address is where an order is shipped to.
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// Total sums the items' prices. The server always computes it; a total sent
// by a client is never trusted.
func Total(items []Item) int64 {
	var total int64
	for _, it := range items {
		total += it.Quantity * it.UnitPriceCents
	}
	return total
}

// Payment is the result of charging an order.
type Payment struct {
	ChargeID    string `json:"charge_id"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	Refunded    bool   `json:"refunded,omitempty"`
}

// Shipment is the parcel that carries an order.
type Shipment struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
}
