package order

import (
	"fmt"
	"slices"
)

// PaymentOutcomes are the statuses the payment stage may decide: the moves
// out of created.
func PaymentOutcomes() []Status { return slices.Clone(next[Created]) }

// ShipmentOutcomes are the statuses the shipping stage may write: the moves
// out of paid it decides, and the payment outcomes that end an order, which it
// passes on so that every order reaches the last stage.
func ShipmentOutcomes() []Status {
	out := slices.Clone(next[Paid])
	for _, s := range next[Created] {
		if s.Terminal() && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Told is the status of an order once its customer has been told of status
// s: a shipped order becomes notified; an order that ended otherwise keeps
// its status.
func Told(s Status) Status {
	if s == Shipped {
		return Notified
	}
	return s
}

// CheckOneOf returns an error unless s is one of allowed.
func CheckOneOf(s Status, allowed []Status) error {
	if !slices.Contains(allowed, s) {
		return fmt.Errorf("status %q is not one of %q", s, allowed)
	}
	return nil
}
