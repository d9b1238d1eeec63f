package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/order"
	"orderflow/retry"
	"orderflow/topology"
)

// placed charges a new order, unless it was cancelled first or was already
// settled; a replay re-emits the first outcome and charges nothing.
func (s *stage) placed(ctx goka.Context, msg any) {
	log := s.log(ctx)
	p, ok := intake.Decode[events.OrderPlaced](ctx, msg, s.cfg.MaxRecordBytes, log)
	if !ok {
		return
	}
	rec := s.entry(ctx)
	if rec.Settled != nil {
		log.Info("order already settled; re-emitting outcome", "status", rec.Settled.Status)
		// Write the record again as well: after a crash the local table may
		// hold a value whose write to the table topic never completed.
		ctx.SetValue(rec)
		ctx.Emit(topology.PayedOrders, ctx.Key(), *rec.Settled)
		return
	}
	settled, ok := s.settle(ctx, msg, p, rec.CancelRequested)
	if !ok {
		return
	}
	rec.Settled = &settled
	ctx.SetValue(rec)
	ctx.Emit(topology.PayedOrders, ctx.Key(), settled)
	log.Info("payment settled", "status", settled.Status, "amount_cents", p.Order.TotalCents, "reason", settled.Reason)
}

// settle decides the outcome of a new order; it reports false when the
// processor is stopping mid-charge and the record is left to be processed
// again.
func (s *stage) settle(ctx goka.Context, msg any, p events.OrderPlaced, cancelled bool) (events.PaymentSettled, bool) {
	out := events.PaymentSettled{V: codecs.Version, Order: p.Order, At: s.cfg.Now().UTC()}
	if cancelled {
		out.Status, out.Reason = order.Cancelled, "cancelled by the customer before payment"
		return out, true
	}
	charge, err := s.charge(ctx, p)
	switch {
	case err != nil && ctx.Context().Err() != nil:
		// The next owner asks the gateway again under the same key and
		// gets the same answer: nothing is charged twice.
		intake.Abandon(ctx, fmt.Errorf("charging interrupted: %w", err))
		return out, false
	case err != nil:
		// The detail (addresses, timeouts) goes to the log and the dead
		// letter; the customer reads a plain reason.
		out.Status, out.Reason = order.PaymentFailed, "the payment provider did not answer"
		intake.Put(ctx, msg, fmt.Errorf("charging: %w", err), s.log(ctx))
	case !charge.Approved:
		out.Status, out.Reason = order.PaymentFailed, charge.DeclineReason
	default:
		out.Status = order.Paid
		out.Payment = &order.Payment{ChargeID: charge.ID, AmountCents: p.Order.TotalCents, Currency: p.Order.Currency}
	}
	return out, true
}

// charge calls the gateway, retrying outages on the configured schedule.
// The order id is the idempotency key, so a retry or a replay after a crash
// never charges twice.
func (s *stage) charge(ctx goka.Context, p events.OrderPlaced) (gateway.Charge, error) {
	log := s.log(ctx)
	req := gateway.ChargeRequest{
		IdempotencyKey: p.Order.ID,
		OrderID:        p.Order.ID,
		AmountCents:    p.Order.TotalCents,
		Currency:       p.Order.Currency,
		Token:          p.PaymentToken,
	}
	var charge gateway.Charge
	err := retry.Do(ctx.Context(), s.cfg.Retry, func(c context.Context) error {
		var err error
		charge, err = s.cfg.Gateway.Charge(c, req)
		if err != nil && !errors.Is(err, gateway.ErrUnavailable) {
			return retry.Permanent(err)
		}
		return err
	}, func(attempt int, wait time.Duration, err error) {
		log.Warn("payment gateway failed; retrying", "attempt", attempt, "wait", wait, "error", err)
	})
	if err != nil {
		return charge, fmt.Errorf("payment gateway gave up: %w", err)
	}
	return charge, nil
}

// cancelRequested marks an order cancelled if it is not yet settled. A paid
// order is the shipping stage's to cancel, since only it knows whether the
// parcel has left.
func (s *stage) cancelRequested(ctx goka.Context, msg any) {
	log := s.log(ctx)
	if _, ok := intake.Decode[events.CancelRequested](ctx, msg, s.cfg.MaxRecordBytes, log); !ok {
		return
	}
	rec := s.entry(ctx)
	if rec.Settled != nil || rec.CancelRequested {
		log.Info("cancel request left to later stages", "payment_status", settledStatus(rec))
		return
	}
	rec.CancelRequested = true
	ctx.SetValue(rec)
	log.Info("cancel request recorded before payment")
}

// shipmentSettled refunds an order that shipping cancelled after it was paid.
func (s *stage) shipmentSettled(ctx goka.Context, msg any) {
	log := s.log(ctx)
	sh, ok := intake.Decode[events.ShipmentSettled](ctx, msg, s.cfg.MaxRecordBytes, log)
	if !ok || !sh.RefundDue() {
		return
	}
	rec := s.entry(ctx)
	if rec.Refunded {
		return
	}
	// A key of its own: a gateway with one key space per account would
	// otherwise answer the refund with the charge's stored result.
	req := gateway.RefundRequest{IdempotencyKey: "refund:" + ctx.Key(), ChargeID: sh.Payment.ChargeID, AmountCents: sh.Payment.AmountCents}
	// The customer was promised the refund: retry until it is made. A
	// refused refund (not an outage) is a dead letter for a person to see.
	policy := s.cfg.Retry
	policy.Attempts = 0
	err := retry.Do(ctx.Context(), policy, func(c context.Context) error {
		err := s.cfg.Gateway.Refund(c, req)
		if err != nil && !errors.Is(err, gateway.ErrUnavailable) {
			return retry.Permanent(err)
		}
		return err
	}, func(attempt int, wait time.Duration, err error) {
		log.Warn("refund failed; retrying", "attempt", attempt, "wait", wait, "error", err)
	})
	switch {
	case err != nil && ctx.Context().Err() != nil:
		intake.Abandon(ctx, fmt.Errorf("refunding interrupted: %w", err))
		return
	case err != nil:
		intake.Put(ctx, msg, fmt.Errorf("refunding: %w", err), log)
		return
	}
	rec.Refunded = true
	ctx.SetValue(rec)
	log.Info("payment refunded", "charge_id", sh.Payment.ChargeID, "amount_cents", sh.Payment.AmountCents)
}

func settledStatus(r Entry) order.Status {
	if r.Settled == nil {
		return ""
	}
	return r.Settled.Status
}
