package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/topology"
)

// actionNotify names this stage's retries.
const actionNotify = "notify"

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
		s.notify(ctx, e, sh, msg.([]byte), r.Input)
	case e.Notified != nil && e.Retry == nil && r.Attempt == e.Attempts:
		// The retry that delivered, seen again after a crash.
		s.gate.Replay(ctx, e, topology.NotifiedOrders, *e.Notified)
	case e.Retry != nil:
		s.gate.ReplayRetry(ctx, e, *e.Retry)
	}
}

// notify makes one delivery and records it, or schedules the next attempt.
// current is the record being processed, input the sent_orders record.
func (s *stage) notify(ctx goka.Context, e Entry, sh events.ShipmentSettled, current, input []byte) {
	now := s.cfg.Now()
	m := message(sh, now.UTC())
	c, cancel := context.WithTimeout(ctx.Context(), s.cfg.CallTimeout)
	err := s.cfg.Notifier.Notify(c, m)
	cancel()
	interrupted := intake.Interrupted(ctx, err)
	next, told, err := decide(e, sh, m, err)
	switch {
	case interrupted:
		// Whoever owns the partition delivers it again, under the same
		// message id; the cut-short attempt counts for nothing.
		s.schedule(ctx, e, e.Attempts, now, fmt.Errorf("notifying interrupted: %w", err), input)
	case told != nil:
		ctx.SetValue(next)
		ctx.Emit(topology.NotifiedOrders, ctx.Key(), *told)
		s.gate.Log(ctx).Info("customer notified", "status", told.Status, "subject", told.Subject)
	case next.Attempts > e.Attempts:
		s.schedule(ctx, next, next.Attempts, now.Add(s.cfg.Retry.Backoff(next.Attempts)), err, input)
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
