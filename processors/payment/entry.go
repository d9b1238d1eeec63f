package payment

import (
	"orderflow/codecs"
	"orderflow/events"
)

// Entry is the stage's state for one order in the payment table.
type Entry struct {
	V               int  `json:"v"`
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// ChargeAttempts counts the gateway's charge calls that failed for a
	// passing reason; while the order is not settled, the next is due.
	ChargeAttempts int `json:"charge_attempts,omitempty"`
	// Settled is the record written to payed_orders. It is written again,
	// unchanged, when an input is seen again.
	Settled *events.PaymentSettled `json:"settled,omitempty"`
	// RefundAttempts counts the refund calls that failed for a passing
	// reason; Refunded says the refund was made.
	RefundAttempts int  `json:"refund_attempts,omitempty"`
	Refunded       bool `json:"refunded,omitempty"`
	// Retry is the retry scheduled last and not yet done: written again
	// when its input is seen again, like Settled.
	Retry *events.RetryScheduled `json:"retry,omitempty"`
	// Call is the charge or refund call out, whose answer the stage waits
	// for; only that answer is acted on.
	Call *events.Call `json:"call,omitempty"`
}

// Validate implements codecs.Schema.
func (e Entry) Validate() error { return codecs.CheckVersion(e.V) }
