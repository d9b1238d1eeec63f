package notifications

import (
	"context"
	"fmt"

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
		s.gate.Replay(ctx, e, topology.Retries, *e.Retry)
	default:
		s.notify(ctx, e, sh, msg.([]byte), msg.([]byte))
	}
}

// retryDue tries a delivery again when the scheduler finds it due; a stale
// copy re-emits what the entry holds, in case a crash lost it.
func (s *stage) retryDue(ctx goka.Context, msg any) {
	r, ok := intake.Decode[events.RetryScheduled](s.gate, ctx, msg)
	if !ok {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	switch {
	case r.Attempt != e.Attempts && e.Retry != nil:
		s.gate.Replay(ctx, e, topology.Retries, *e.Retry)
	case r.Attempt != e.Attempts:
	case e.Notified != nil:
		s.gate.Replay(ctx, e, topology.NotifiedOrders, *e.Notified)
	default:
		sh, err := codecs.Decode[events.ShipmentSettled](r.Input)
		if err != nil {
			s.gate.SetAside(ctx, msg.([]byte), fmt.Errorf("retry input: %w", err))
			return
		}
		s.notify(ctx, e, sh, msg.([]byte), r.Input)
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
	if err != nil && ctx.Context().Err() != nil {
		// Recording the notification now would lose it: leave the record
		// for the next owner, who delivers under the same message id.
		s.gate.Abandon(ctx, fmt.Errorf("notifying customer interrupted: %w", err))
		return
	}
	next, told, err := decide(e, sh, m, err)
	switch {
	case told != nil:
		ctx.SetValue(next)
		ctx.Emit(topology.NotifiedOrders, ctx.Key(), *told)
		s.gate.Log(ctx).Info("customer notified", "status", told.Status, "subject", told.Subject)
	case next.Attempts > e.Attempts:
		r := s.gate.Retry(ctx, actionNotify, next.Attempts, now.Add(s.cfg.Retry.Backoff(next.Attempts)), err, input)
		next.Retry = &r
		ctx.SetValue(next)
		ctx.Emit(topology.Retries, ctx.Key(), r)
	default:
		s.gate.SetAside(ctx, current, err)
	}
}
