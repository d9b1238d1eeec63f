package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/notify"
	"orderflow/order"
	"orderflow/topology"
)

// actionNotify names this stage's calls and retries.
const actionNotify = "notify"

// Actions lists the actions this stage retries, for metrics that start each
// at zero.
func Actions() []string { return []string{actionNotify} }

// shipmentSettled tells the customer of an order's outcome; an input seen
// again re-emits what was emitted and tells nobody.
func (s *stage) shipmentSettled(ctx goka.Context, msg any) {
	sh, ok := intake.Decode[events.ShipmentSettled](s.gate, ctx, msg)
	if !ok {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	switch {
	case e.Notified != nil:
		s.gate.Replay(ctx, e, topology.NotifiedOrders, *e.Notified)
	case e.Call != nil:
		if s.gate.StartedHere(ctx, e.Call) {
			s.callNotify(ctx, e, *e.Call, sh, msg.([]byte))
		}
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	default:
		s.notify(ctx, e, sh, msg.([]byte), msg.([]byte))
	}
}

// retryDue tries a delivery again when the scheduler finds it due. Only the
// retry the entry holds as pending is acted on; any other is a copy a crash
// or a repeated input left behind.
func (s *stage) retryDue(ctx goka.Context, msg any) {
	r, ok := intake.Decode[events.RetryScheduled](s.gate, ctx, msg)
	if !ok {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	switch {
	case intake.Pending(e.Retry, r):
		sh, err := codecs.Decode[events.ShipmentSettled](r.Input)
		if err != nil {
			s.gate.SetAside(ctx, msg.([]byte), fmt.Errorf("retry input: %w", err))
			return
		}
		if e.Call == nil {
			s.notify(ctx, e, sh, msg.([]byte), r.Input)
		} else if s.gate.StartedHere(ctx, e.Call) {
			s.callNotify(ctx, e, *e.Call, sh, r.Input)
		}
	case e.Notified != nil && e.Retry == nil && r.Attempt == e.Attempts:
		// The retry that delivered, seen again after a crash.
		s.gate.Replay(ctx, e, topology.NotifiedOrders, *e.Notified)
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	}
}

// notify makes a delivery. current is the record being processed, input the
// sent_orders record.
//
// A retried delivery is recorded as out first, so that a late answer of an
// earlier attempt is told from its own. An order's first delivery is not:
// the record that starts it stays uncommitted until the answer is on the
// broker (intake.Calls), so a crash only makes it again, and JetStream drops
// a second message with the same id (notify.DuplicateWindow). Recording it
// would cost a table record per order and buy nothing.
func (s *stage) notify(ctx goka.Context, e Entry, sh events.ShipmentSettled, current, input []byte) {
	if told := order.Told(sh.Status); !told.Terminal() {
		s.gate.SetAside(ctx, current, &order.ErrTransition{From: sh.Status, To: told})
		return
	}
	call := events.Call{Action: actionNotify, Attempt: e.Attempts, StartedBy: intake.Source(ctx)}
	if !first(e) {
		e.Call = &call
	}
	s.callNotify(ctx, e, call, sh, input)
}

// first reports whether e is an order that no delivery was made for yet,
// whose first delivery notify makes without recording it.
func first(e Entry) bool {
	return e.Notified == nil && e.Retry == nil && e.Call == nil && e.Attempts == 0
}

// answers reports whether a is the answer to the delivery out: the one the
// entry records, or the unrecorded first one.
func answers(e Entry, a events.CallAnswered) bool {
	return a.Answers(e.Call) || (first(e) && a.Action == actionNotify && a.Attempt == 0)
}

// callNotify makes one delivery beside the callbacks; its answer, with the
// message delivered, comes back to answered. An entry that records the
// delivery is written first, also when it is made again: the delivery
// waits until the broker has that write (intake.Calls), as payment's calls
// do.
func (s *stage) callNotify(ctx goka.Context, e Entry, call events.Call, sh events.ShipmentSettled, input []byte) {
	if e.Call != nil {
		ctx.SetValue(e)
	}
	s.calls.Start(ctx, call, input, func(c context.Context) (any, error) {
		m := message(sh, s.cfg.Now().UTC())
		c, cancel := context.WithTimeout(c, s.cfg.CallTimeout)
		defer cancel()
		return m, s.cfg.Notifier.Notify(c, m)
	})
}

// answered records a delivery, or schedules the next attempt. Only the
// answer to the delivery out is acted on.
func (s *stage) answered(ctx goka.Context, msg any) {
	a, ok := intake.Decode[events.CallAnswered](s.gate, ctx, msg)
	if !ok {
		return
	}
	e, current := intake.Entry(ctx, Entry{V: codecs.Version}), msg.([]byte)
	if !answers(e, a) {
		switch {
		case e.Notified != nil && e.Retry == nil && a.Attempt == e.Attempts:
			// The answer that delivered, seen again after a crash.
			s.gate.Replay(ctx, e, topology.NotifiedOrders, *e.Notified)
		case e.Retry != nil:
			s.gate.ReplayRetry(ctx, e, *e.Retry)
		}
		return
	}
	e.Call = nil
	sh, err := codecs.Decode[events.ShipmentSettled](a.Input)
	var m notify.Message
	if err == nil && a.Outcome == events.OutcomeOK {
		err = json.Unmarshal(a.Result, &m)
	}
	if err != nil {
		s.gate.SetAside(ctx, current, fmt.Errorf("delivery answer: %w", err))
		return
	}
	now := s.cfg.Now()
	if a.Outcome == events.OutcomeInterrupted {
		// Whoever owns the partition delivers it again, under the same
		// message id; the cut-short attempt counts for nothing.
		s.schedule(ctx, e, e.Attempts, now, fmt.Errorf("notifying interrupted: %s", a.Error), a.Input)
		return
	}
	var failed error
	if a.Outcome != events.OutcomeOK {
		failed = errors.New(a.Error)
	}
	next, told, err := decide(e, sh, m, failed)
	switch {
	case told != nil:
		ctx.SetValue(next)
		ctx.Emit(topology.NotifiedOrders, ctx.Key(), *told)
		s.gate.Log(ctx).Info("customer notified", "status", told.Status, "subject", told.Subject)
	case next.Attempts > e.Attempts:
		s.schedule(ctx, next, next.Attempts, now.Add(s.cfg.Retry.Backoff(next.Attempts)), err, a.Input)
	default:
		s.gate.SetAside(ctx, current, err)
	}
}

// schedule writes the entry with a retry of the delivery due at due, after
// attempts failed ones, and sends the retry to the scheduler.
func (s *stage) schedule(ctx goka.Context, e Entry, attempts int, due time.Time, reason error, input []byte) {
	r := s.gate.Retry(ctx, actionNotify, attempts, due, reason, input)
	e.Retry = &r
	ctx.SetValue(e)
	ctx.Emit(topology.Retries, ctx.Key(), r)
}
