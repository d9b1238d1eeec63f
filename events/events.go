// Package events holds the records that travel between orderflow's groups:
// one type per topic, versioned JSON, each able to validate itself.
package events

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"orderflow/codecs"
	"orderflow/order"
)

// OrderPlaced is the record on new_orders: an order the API accepted.
type OrderPlaced struct {
	V     int         `json:"v"`
	Order order.Order `json:"order"`
	// PaymentToken stands for the customer's card at the gateway. It is a
	// secret: it is never logged and never shown by the API.
	PaymentToken string `json:"payment_token"`
}

// Validate implements codecs.Schema.
func (e OrderPlaced) Validate() error {
	if err := codecs.CheckVersion(e.V); err != nil {
		return err
	}
	// Characters, as the API and its OpenAPI document count them: a byte
	// count refused at encoding a token of "ü"s the API had accepted.
	if e.PaymentToken == "" || utf8.RuneCountInString(e.PaymentToken) > order.MaxIDLen {
		return fmt.Errorf("payment_token: is required and at most %d characters", order.MaxIDLen)
	}
	return e.Order.Validate()
}

// CancelRequested is the record on order_cancellations: a customer asked to
// cancel an order. The payment and shipping stages decide whether it is
// still possible.
type CancelRequested struct {
	V          int       `json:"v"`
	OrderID    string    `json:"order_id"`
	CustomerID string    `json:"customer_id"`
	At         time.Time `json:"at"`
}

// Validate implements codecs.Schema.
func (e CancelRequested) Validate() error {
	if err := codecs.CheckVersion(e.V); err != nil {
		return err
	}
	if err := order.CheckID("order_id", e.OrderID); err != nil {
		return err
	}
	return order.CheckID("customer_id", e.CustomerID)
}

// PaymentSettled is the record on payed_orders: the payment stage's outcome,
// one of paid, payment_failed or cancelled (cancelled before any charge).
type PaymentSettled struct {
	V       int            `json:"v"`
	Order   order.Order    `json:"order"`
	Status  order.Status   `json:"status"`
	Payment *order.Payment `json:"payment,omitempty"`
	Reason  string         `json:"reason,omitempty"`
	At      time.Time      `json:"at"`
}

// Validate implements codecs.Schema.
func (e PaymentSettled) Validate() error {
	if err := codecs.CheckVersion(e.V); err != nil {
		return err
	}
	if err := order.CheckOneOf(e.Status, order.PaymentOutcomes()); err != nil {
		return err
	}
	if e.Status == order.Paid && e.Payment == nil {
		return errors.New("payment: a paid order needs its payment")
	}
	return e.Order.Validate()
}

// ShipmentSettled is the record on sent_orders: the shipping stage's
// outcome, one of shipped, payment_failed (passed on) or cancelled. Every
// order passes every stage, so the notifications stage hears of each once.
type ShipmentSettled struct {
	V        int             `json:"v"`
	Order    order.Order     `json:"order"`
	Status   order.Status    `json:"status"`
	Payment  *order.Payment  `json:"payment,omitempty"`
	Shipment *order.Shipment `json:"shipment,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	At       time.Time       `json:"at"`
}

// Validate implements codecs.Schema.
func (e ShipmentSettled) Validate() error {
	if err := codecs.CheckVersion(e.V); err != nil {
		return err
	}
	if err := order.CheckOneOf(e.Status, order.ShipmentOutcomes()); err != nil {
		return err
	}
	if e.Status == order.Shipped && (e.Shipment == nil || e.Payment == nil) {
		return errors.New("shipment: a shipped order needs its payment and shipment")
	}
	return e.Order.Validate()
}

// RefundDue reports whether the order was cancelled after it was charged,
// which the payment stage answers with a refund.
func (e ShipmentSettled) RefundDue() bool {
	return e.Status == order.Cancelled && e.Payment != nil
}

// CustomerNotified is the record on notified_orders: the customer was told of
// the order's outcome through NATS.
type CustomerNotified struct {
	V          int          `json:"v"`
	OrderID    string       `json:"order_id"`
	CustomerID string       `json:"customer_id"`
	Status     order.Status `json:"status"`
	Subject    string       `json:"subject"`
	At         time.Time    `json:"at"`
}

// Validate implements codecs.Schema.
func (e CustomerNotified) Validate() error {
	if err := codecs.CheckVersion(e.V); err != nil {
		return err
	}
	if err := order.CheckOneOf(e.Status, order.ShipmentOutcomes()); err != nil {
		return err
	}
	if err := order.CheckID("order_id", e.OrderID); err != nil {
		return err
	}
	return order.CheckID("customer_id", e.CustomerID)
}

// OrderKey returns the order id the record is about: its Kafka key.
func (e OrderPlaced) OrderKey() string { return e.Order.ID }

// OrderKey returns the order id the record is about: its Kafka key.
func (e CancelRequested) OrderKey() string { return e.OrderID }

// OrderKey returns the order id the record is about: its Kafka key.
func (e PaymentSettled) OrderKey() string { return e.Order.ID }

// OrderKey returns the order id the record is about: its Kafka key.
func (e ShipmentSettled) OrderKey() string { return e.Order.ID }

// OrderKey returns the order id the record is about: its Kafka key.
func (e CustomerNotified) OrderKey() string { return e.OrderID }

// OrderState is the value of the orders table: an order and everything that
// has happened to it, as the API shows it.
type OrderState struct {
	V int `json:"v"`
	order.State
}

// Validate implements codecs.Schema.
func (s OrderState) Validate() error { return codecs.CheckVersion(s.V) }

// Known reports whether the order itself has been seen; a record may hold
// only a later stage's report for a moment before the order arrives.
func (s OrderState) Known() bool { return s.Order.CustomerID != "" }
