// Package scheduler is the group that makes retries wait: a stage whose call
// to the outside world failed writes a retry with a due time to the retries
// topic and goes on with other orders; the scheduler holds each retry until
// it is due and then hands it back to the stage's loopback topic.
//
// Waiting here blocks only the retries behind it on the same partition, never
// a stage. A wait cut short by a stop puts the retry back on the retries
// topic, so that whoever owns the partition next waits out what remains.
package scheduler

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/metrics"
	"orderflow/topology"
	"orderflow/tracing"
)

// Config is what the scheduler needs.
type Config struct {
	Logger *slog.Logger
	Limits intake.Limits
	// MaxWait bounds one wait, so that a retry due far in the future (a
	// clock gone wrong) cannot hold its partition: it is handed back early,
	// and the stage simply tries once more. 0 means a minute.
	MaxWait time.Duration
	Now     func() time.Time
	// Tracer makes the group's spans: a retry's wait is one; nil is
	// tracing off.
	Tracer *tracing.Tracer
	// Retries counts the retries received; nil counts nothing.
	Retries *metrics.Retries
}

// Define returns the scheduler's group graph.
func Define(cfg Config) *goka.GroupGraph {
	if cfg.MaxWait == 0 {
		cfg.MaxWait = time.Minute
	}
	s := &scheduler{cfg: cfg, gate: intake.New(topology.SchedulerGroup, cfg.Limits, cfg.Logger, cfg.Tracer)}
	edges := []goka.Edge{goka.Input(topology.Retries, codecs.Raw{}, s.gate.Trace(s.scheduled))}
	for _, g := range topology.Retrying() {
		edges = append(edges, goka.Output(topology.Loop(g), codecs.Raw{}))
	}
	return s.gate.Graph(edges...)
}

type scheduler struct {
	cfg  Config
	gate *intake.Gate
}

// scheduled waits until a retry is due and hands it to its stage.
func (s *scheduler) scheduled(ctx goka.Context, msg any) {
	r, ok := intake.Decode[events.RetryScheduled](s.gate, ctx, msg)
	if !ok {
		return
	}
	if !slices.Contains(topology.Retrying(), goka.Group(r.Group)) {
		s.gate.SetAside(ctx, msg.([]byte), fmt.Errorf("%w: group %q does not retry", codecs.ErrInvalid, r.Group))
		return
	}
	s.cfg.Retries.Retry(r.Group, r.Action)
	wait := min(r.DueAt.Sub(s.cfg.Now()), s.cfg.MaxWait)
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Context().Done():
			// Stopping, or the partition moves: put the retry back
			// where it came from, unchanged, for whoever reads it next.
			ctx.Emit(topology.Retries, ctx.Key(), msg.([]byte))
			s.gate.Log(ctx).Info("retry handed back while stopping", "group", r.Group, "action", r.Action)
			return
		case <-t.C:
		}
	}
	ctx.Emit(topology.Loop(goka.Group(r.Group)), ctx.Key(), msg.([]byte))
	s.gate.Log(ctx).Debug("retry due", "group", r.Group, "action", r.Action, "attempt", r.Attempt)
}
