package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/order"
)

// The actions this stage retries.
const (
	actionCharge = "charge"
	actionRefund = "refund"
)

// Actions lists the actions this stage retries, for metrics that start each
// at zero.
func Actions() []string { return []string{actionCharge, actionRefund} }

// step is what a decision asks of the callback besides writing the entry.
type step struct {
	settled *events.PaymentSettled // emit on payed_orders
	retry   error                  // schedule the next attempt; the last one failed for this reason
	soon    bool                   // the last attempt was cut short: retry now, it counts for nothing
	problem error                  // set the input aside for a person, for this reason
}

// decidePlaced settles a new order at once when its customer cancelled
// before any charge was tried; otherwise it returns nil: the order needs a
// charge.
func decidePlaced(e Entry, p events.OrderPlaced, now time.Time) *events.PaymentSettled {
	if e.CancelRequested && e.ChargeAttempts == 0 {
		out := settle(p, order.Cancelled, "cancelled by the customer before payment", nil, now)
		return &out
	}
	return nil
}

// decideCharge turns the answer to one charge call into the entry and what
// to do. Once a charge was tried, a cancel no longer stops it: the gateway
// may have taken the money, so the order goes on and shipping cancels and
// refunds it.
func decideCharge(e Entry, p events.OrderPlaced, charge gateway.Charge, err error, maxAttempts int, now time.Time) (Entry, step) {
	switch {
	case err == nil && charge.Approved:
		pay := &order.Payment{ChargeID: charge.ID, AmountCents: p.Order.TotalCents, Currency: p.Order.Currency}
		return settled(e, settle(p, order.Paid, "", pay, now))
	case err == nil:
		return settled(e, settle(p, order.PaymentFailed, charge.DeclineReason, nil, now))
	case passing(err) && (maxAttempts <= 0 || e.ChargeAttempts+1 < maxAttempts):
		e.ChargeAttempts++
		return e, step{retry: err}
	}
	// The detail (addresses, timeouts) goes to the log and the dead letter;
	// the customer reads a plain reason.
	reason := "the payment provider refused the payment"
	if passing(err) {
		reason = "the payment provider did not answer"
	}
	e, st := settled(e, settle(p, order.PaymentFailed, reason, nil, now))
	st.problem = fmt.Errorf("%w: charging, attempt %d: %w", intake.ErrCallFailed, e.ChargeAttempts+1, err)
	return e, st
}

// decideRefund turns the answer to one refund call into the entry and what
// to do. The customer was promised the refund: while the gateway is
// unavailable it is tried again, for as long as it takes; a refused refund
// is for a person to see.
func decideRefund(e Entry, err error) (Entry, step) {
	switch {
	case err == nil:
		e.Refunded, e.Retry = true, nil
		return e, step{}
	case passing(err):
		e.RefundAttempts++
		return e, step{retry: err}
	}
	e.Retry = nil
	return e, step{problem: fmt.Errorf("%w: refunding: %w", intake.ErrCallFailed, err)}
}

// passing reports whether a gateway error may go away by itself.
func passing(err error) bool {
	return errors.Is(err, gateway.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

func settled(e Entry, out events.PaymentSettled) (Entry, step) {
	e.Settled, e.Retry = &out, nil
	return e, step{settled: &out}
}

func settle(p events.OrderPlaced, status order.Status, reason string, pay *order.Payment, now time.Time) events.PaymentSettled {
	return events.PaymentSettled{V: codecs.Version, Order: p.Order, Status: status, Payment: pay, Reason: reason, At: now.UTC()}
}

// decideCancel records a cancel that arrived before the order was settled
// here, and reports whether the entry changed. A settled order is left to
// the later stages: a paid order is shipping's to cancel, since only it
// knows whether the parcel has left.
func decideCancel(e Entry) (Entry, bool) {
	if e.Settled != nil || e.CancelRequested {
		return e, false
	}
	e.CancelRequested = true
	return e, true
}
