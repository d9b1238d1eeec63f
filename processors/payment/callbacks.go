package payment

import (
	"context"
	"encoding/json"
	"errors"
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
	case e.Call != nil:
		if s.gate.StartedHere(ctx, e.Call) {
			s.callCharge(ctx, e, p, msg.([]byte))
		}
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	default:
		if out := decidePlaced(e, p, s.cfg.Now()); out != nil {
			e.Settled = out
			s.finish(ctx, e, step{settled: out}, msg.([]byte), "", nil)
			return
		}
		s.charge(ctx, e, p, msg.([]byte))
	}
}

// charge records a charge call as out and makes it.
func (s *stage) charge(ctx goka.Context, e Entry, p events.OrderPlaced, input []byte) {
	e.Call = &events.Call{Action: actionCharge, Attempt: e.ChargeAttempts, StartedBy: intake.Source(ctx)}
	s.callCharge(ctx, e, p, input)
}

// callCharge writes e, which holds the charge call as out, and makes the
// call beside the callbacks; its answer comes back to answered. The order
// id is the idempotency key, so a retry or a replay after a crash never
// charges twice.
//
// The entry is written even when the call is made again for an entry that
// already holds it: the call waits until the broker has this write
// (intake.Calls), and the local entry alone may be one the broker never got.
func (s *stage) callCharge(ctx goka.Context, e Entry, p events.OrderPlaced, input []byte) {
	ctx.SetValue(e)
	s.calls.Start(ctx, *e.Call, input, func(c context.Context) (any, error) {
		c, cancel := context.WithTimeout(c, s.cfg.CallTimeout)
		defer cancel()
		return s.cfg.Gateway.Charge(c, gateway.ChargeRequest{
			IdempotencyKey: p.Order.ID, OrderID: p.Order.ID, AmountCents: p.Order.TotalCents,
			Currency: p.Order.Currency, Token: p.PaymentToken,
		})
	})
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
	case e.Call != nil:
		if s.gate.StartedHere(ctx, e.Call) {
			s.callRefund(ctx, e, sh, msg.([]byte))
		}
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	default:
		s.refund(ctx, e, sh, msg.([]byte))
	}
}

// refund records a refund call as out and makes it.
func (s *stage) refund(ctx goka.Context, e Entry, sh events.ShipmentSettled, input []byte) {
	e.Call = &events.Call{Action: actionRefund, Attempt: e.RefundAttempts, StartedBy: intake.Source(ctx)}
	s.callRefund(ctx, e, sh, input)
}

// callRefund writes e, which holds the refund call as out, and makes the
// call, as callCharge does. The refund has a key of its own: a gateway
// with one key space per account would otherwise answer it with the
// charge's stored result.
func (s *stage) callRefund(ctx goka.Context, e Entry, sh events.ShipmentSettled, input []byte) {
	ctx.SetValue(e)
	key := "refund:" + ctx.Key()
	s.calls.Start(ctx, *e.Call, input, func(c context.Context) (any, error) {
		c, cancel := context.WithTimeout(c, s.cfg.CallTimeout)
		defer cancel()
		return nil, s.cfg.Gateway.Refund(c, gateway.RefundRequest{IdempotencyKey: key, ChargeID: sh.Payment.ChargeID, AmountCents: sh.Payment.AmountCents})
	})
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
	case intake.Pending(e.Retry, r) && e.Call != nil:
		if !s.gate.StartedHere(ctx, e.Call) {
			return
		}
		s.again(ctx, e, r, current, func(p events.OrderPlaced) { s.callCharge(ctx, e, p, r.Input) },
			func(sh events.ShipmentSettled) { s.callRefund(ctx, e, sh, r.Input) })
	case intake.Pending(e.Retry, r):
		s.again(ctx, e, r, current, func(p events.OrderPlaced) { s.charge(ctx, e, p, r.Input) },
			func(sh events.ShipmentSettled) { s.refund(ctx, e, sh, r.Input) })
	case r.Action == actionCharge && e.Settled != nil && e.Retry == nil && r.Attempt == e.ChargeAttempts:
		// The retry that settled the order, seen again after a crash.
		s.gate.Replay(ctx, e, topology.PayedOrders, *e.Settled)
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	}
}

// again decodes a due retry's input and hands it to charge or refund.
func (s *stage) again(ctx goka.Context, e Entry, r events.RetryScheduled, current []byte, charge func(events.OrderPlaced), refund func(events.ShipmentSettled)) {
	switch r.Action {
	case actionCharge:
		p, err := codecs.Decode[events.OrderPlaced](r.Input)
		if err != nil {
			s.gate.SetAside(ctx, current, fmt.Errorf("retry input: %w", err))
			return
		}
		charge(p)
	case actionRefund:
		sh, err := codecs.Decode[events.ShipmentSettled](r.Input)
		if err != nil || !sh.RefundDue() {
			s.gate.SetAside(ctx, current, fmt.Errorf("retry input: not a refund due: %w", err))
			return
		}
		refund(sh)
	default:
		s.gate.SetAside(ctx, current, fmt.Errorf("retry of an unknown action %q", r.Action))
	}
}

// answered acts on the answer to a charge or refund call. Only the answer to
// the call the entry holds as out is acted on; any other is a copy a crash
// or a call made twice left behind.
func (s *stage) answered(ctx goka.Context, msg any) {
	a, ok := intake.Decode[events.CallAnswered](s.gate, ctx, msg)
	if !ok {
		return
	}
	e, current := intake.Entry(ctx, Entry{V: codecs.Version}), msg.([]byte)
	if !a.Answers(e.Call) {
		switch {
		case a.Action == actionCharge && e.Settled != nil && e.Retry == nil && a.Attempt == e.ChargeAttempts:
			// The answer that settled the order, seen again after a crash.
			s.gate.Replay(ctx, e, topology.PayedOrders, *e.Settled)
		case e.Retry != nil:
			s.gate.ReplayRetry(ctx, e, *e.Retry)
		}
		return
	}
	e.Call = nil
	if a.Outcome == events.OutcomeInterrupted {
		// Asked again under the same key, the gateway gives the same
		// answer: nothing is charged or refunded twice.
		s.finish(ctx, e, step{retry: fmt.Errorf("%s interrupted: %s", a.Action, a.Error), soon: true}, current, a.Action, a.Input)
		return
	}
	err := answerError(a)
	switch a.Action {
	case actionCharge:
		p, derr := codecs.Decode[events.OrderPlaced](a.Input)
		var charge gateway.Charge
		if a.Outcome == events.OutcomeOK && derr == nil {
			derr = json.Unmarshal(a.Result, &charge)
		}
		if derr != nil {
			s.gate.SetAside(ctx, current, fmt.Errorf("charge answer: %w", derr))
			return
		}
		next, st := decideCharge(e, p, charge, err, s.cfg.Retry.Attempts, s.cfg.Now())
		s.finish(ctx, next, st, current, actionCharge, a.Input)
	case actionRefund:
		next, st := decideRefund(e, err)
		s.finish(ctx, next, st, current, actionRefund, a.Input)
		if err == nil {
			s.gate.Log(ctx).Info("payment refunded")
		}
	default:
		s.gate.SetAside(ctx, current, fmt.Errorf("answer to an unknown action %q", a.Action))
	}
}

// answerError is the error of a call as its answer tells it.
func answerError(a events.CallAnswered) error {
	switch a.Outcome {
	case events.OutcomePassing:
		return fmt.Errorf("%w: %s", gateway.ErrUnavailable, a.Error)
	case events.OutcomeFailed:
		return errors.New(a.Error)
	}
	return nil
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
