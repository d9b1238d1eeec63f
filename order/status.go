package order

import "fmt"

// Status is where an order is in its life.
//
//	created -> paid -> shipped -> notified
//	created -> payment_failed
//	created -> cancelled
//	paid    -> cancelled (refunded)
//
// notified, payment_failed and cancelled are terminal. The customer is told
// of every terminal outcome; "notified" is the status of a shipped order whose
// customer has been told.
type Status string

// The statuses of an order.
const (
	Created       Status = "created"
	Paid          Status = "paid"
	Shipped       Status = "shipped"
	Notified      Status = "notified"
	PaymentFailed Status = "payment_failed"
	Cancelled     Status = "cancelled"
)

// next lists the allowed moves out of each status.
var next = map[Status][]Status{
	Created: {Paid, PaymentFailed, Cancelled},
	Paid:    {Shipped, Cancelled},
	Shipped: {Notified},
}

// rank orders statuses along the life of an order, so that events that
// arrive from different topics in any order still form one history.
var rank = map[Status]int{
	Created:       0,
	Paid:          1,
	PaymentFailed: 1,
	Shipped:       2,
	Cancelled:     2,
	Notified:      3,
}

// Valid reports whether s is a status this package knows.
func (s Status) Valid() bool {
	_, ok := rank[s]
	return ok
}

// Terminal reports whether nothing more happens to an order in status s.
func (s Status) Terminal() bool {
	return s == Notified || s == PaymentFailed || s == Cancelled
}

// Cancellable reports whether a customer may still cancel an order in
// status s: until it has shipped.
func (s Status) Cancellable() bool {
	return s == Created || s == Paid
}

// ErrTransition is returned for a move the state machine does not allow.
type ErrTransition struct {
	From, To Status
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("order cannot move from %q to %q", e.From, e.To)
}

// CheckTransition returns an *ErrTransition unless an order may move from
// one status to the other.
func CheckTransition(from, to Status) error {
	for _, s := range next[from] {
		if s == to {
			return nil
		}
	}
	return &ErrTransition{From: from, To: to}
}
