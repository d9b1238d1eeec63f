// Package gateway is the payment gateway orderflow charges through: its
// request and result types, and Simulated, the built-in gateway that
// behaves deterministically so that tests and demos can ask for a decline or
// an outage by card token.
package gateway

import "errors"

// ErrUnavailable marks a transient failure (timeout, 5xx): the payment stage
// retries it with backoff.
var ErrUnavailable = errors.New("payment gateway unavailable")

// ChargeRequest asks the gateway to charge a card. The gateway answers a
// repeated IdempotencyKey with the first answer and never charges twice.
type ChargeRequest struct {
	IdempotencyKey string
	OrderID        string
	AmountCents    int64
	Currency       string
	Token          string
}

// Charge is the gateway's answer to a ChargeRequest. A decline is an answer,
// not an error.
type Charge struct {
	ID            string
	Approved      bool
	DeclineReason string
}

// RefundRequest asks the gateway to give a charge back; repeated keys refund
// once.
type RefundRequest struct {
	IdempotencyKey string
	ChargeID       string
	AmountCents    int64
}
