package payment

import (
	"context"
	"fmt"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/order"
	"orderflow/topology"
)

// placed charges a new order, unless it was cancelled first or was already
// seen; an input seen again re-emits what was emitted and charges nothing.
func (s *stage) placed(ctx goka.Context, msg any) {
	p, ok := intake.Decode[events.OrderPlaced](s.gate, ctx, msg)
	if !ok {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	switch {
	case e.Settled != nil:
		s.gate.Replay(ctx, e, topology.PayedOrders, *e.Settled)
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	default:
		if out := decidePlaced(e, p, s.cfg.Now()); out != nil {
			e.Settled = out
			s.finish(ctx, e, step{settled: out}, msg.([]byte), "", nil)
			return
		}
		s.charge(ctx, e, p, msg.([]byte), msg.([]byte))
	}
}

// charge makes one charge call and acts on its answer. The order id is the
// idempotency key, so a retry or a replay after a crash never charges twice.
//
// current is the record being processed, input the new_orders record (the
// same one on a first attempt).
func (s *stage) charge(ctx goka.Context, e Entry, p events.OrderPlaced, current, input []byte) {
	c, cancel := context.WithTimeout(ctx.Context(), s.cfg.CallTimeout)
	defer cancel()
	charge, err := s.cfg.Gateway.Charge(c, gateway.ChargeRequest{
		IdempotencyKey: p.Order.ID, OrderID: p.Order.ID, AmountCents: p.Order.TotalCents,
		Currency: p.Order.Currency, Token: p.PaymentToken,
	})
	if intake.Interrupted(ctx, err) {
		// Asked again under the same key, the gateway gives the same
		// answer: nothing is charged twice.
		s.finish(ctx, e, step{retry: fmt.Errorf("charging interrupted: %w", err), soon: true}, current, actionCharge, input)
		return
	}
	next, st := decideCharge(e, p, charge, err, s.cfg.Retry.Attempts, s.cfg.Now())
	s.finish(ctx, next, st, current, actionCharge, input)
}

// cancelRequested records a cancel that arrived before the order was settled.
func (s *stage) cancelRequested(ctx goka.Context, msg any) {
	if _, ok := intake.Decode[events.CancelRequested](s.gate, ctx, msg); !ok {
		return
	}
	e, changed := decideCancel(intake.Entry(ctx, Entry{V: codecs.Version}))
	if !changed {
		s.gate.Log(ctx).Info("cancel request left to later stages")
		return
	}
	ctx.SetValue(e)
	s.gate.Log(ctx).Info("cancel request recorded before payment")
}

// shipmentSettled refunds an order that shipping cancelled after it was paid.
func (s *stage) shipmentSettled(ctx goka.Context, msg any) {
	sh, ok := intake.Decode[events.ShipmentSettled](s.gate, ctx, msg)
	if !ok || !sh.RefundDue() {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	switch {
	case e.Refunded:
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	default:
		s.refund(ctx, e, sh, msg.([]byte), msg.([]byte))
	}
}

// refund makes one refund call and acts on its answer. The refund has a key
// of its own: a gateway with one key space per account would otherwise
// answer it with the charge's stored result.
func (s *stage) refund(ctx goka.Context, e Entry, sh events.ShipmentSettled, current, input []byte) {
	c, cancel := context.WithTimeout(ctx.Context(), s.cfg.CallTimeout)
	defer cancel()
	err := s.cfg.Gateway.Refund(c, gateway.RefundRequest{IdempotencyKey: "refund:" + ctx.Key(), ChargeID: sh.Payment.ChargeID, AmountCents: sh.Payment.AmountCents})
	if intake.Interrupted(ctx, err) {
		s.finish(ctx, e, step{retry: fmt.Errorf("refunding interrupted: %w", err), soon: true}, current, actionRefund, input)
		return
	}
	next, st := decideRefund(e, err)
	s.finish(ctx, next, st, current, actionRefund, input)
	if err == nil {
		s.gate.Log(ctx).Info("payment refunded", "charge_id", sh.Payment.ChargeID, "amount_cents", sh.Payment.AmountCents)
	}
}

// retryDue tries a charge or refund again when the scheduler finds it due.
// Only the retry the entry holds as pending is acted on; any other is a copy
// a crash or a repeated input left behind.
func (s *stage) retryDue(ctx goka.Context, msg any) {
	r, ok := intake.Decode[events.RetryScheduled](s.gate, ctx, msg)
	if !ok {
		return
	}
	e, current := intake.Entry(ctx, Entry{V: codecs.Version}), msg.([]byte)
	switch {
	case intake.Pending(e.Retry, r) && r.Action == actionCharge:
		if p, err := codecs.Decode[events.OrderPlaced](r.Input); err != nil {
			s.gate.SetAside(ctx, current, fmt.Errorf("retry input: %w", err))
		} else {
			s.charge(ctx, e, p, current, r.Input)
		}
	case intake.Pending(e.Retry, r) && r.Action == actionRefund:
		if sh, err := codecs.Decode[events.ShipmentSettled](r.Input); err != nil || !sh.RefundDue() {
			s.gate.SetAside(ctx, current, fmt.Errorf("retry input: not a refund due: %w", err))
		} else {
			s.refund(ctx, e, sh, current, r.Input)
		}
	case r.Action == actionCharge && e.Settled != nil && e.Retry == nil && r.Attempt == e.ChargeAttempts:
		// The retry that settled the order, seen again after a crash.
		s.gate.Replay(ctx, e, topology.PayedOrders, *e.Settled)
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	}
}

// finish writes the entry and emits what the decision asks for. Every
// outcome is checked against the order's state machine first.
func (s *stage) finish(ctx goka.Context, e Entry, st step, current []byte, action string, input []byte) {
	if st.settled != nil {
		if err := order.CheckTransition(order.Created, st.settled.Status); err != nil {
			s.gate.SetAside(ctx, current, fmt.Errorf("payment decided an impossible outcome: %w", err))
			return
		}
	}
	if st.retry != nil {
		attempts := e.ChargeAttempts
		if action == actionRefund {
			attempts = e.RefundAttempts
		}
		due := s.cfg.Now()
		if !st.soon {
			due = due.Add(s.cfg.Retry.Backoff(attempts))
		}
		r := s.gate.Retry(ctx, action, attempts, due, st.retry, input)
		e.Retry = &r
	}
	ctx.SetValue(e)
	if st.settled != nil {
		ctx.Emit(topology.PayedOrders, ctx.Key(), *st.settled)
		s.gate.Log(ctx).Info("payment settled", "status", st.settled.Status, "amount_cents", st.settled.Order.TotalCents, "reason", st.settled.Reason)
	}
	if st.retry != nil {
		ctx.Emit(topology.Retries, ctx.Key(), *e.Retry)
	}
	if st.problem != nil {
		s.gate.SetAside(ctx, current, st.problem)
	}
}
