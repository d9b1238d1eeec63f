package intake

import (
	"fmt"
	"log/slog"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/topology"
	"orderflow/tracing"
)

// Limits bound what a stage accepts.
type Limits struct {
	// MaxRecordBytes bounds a record's value; 0 means no bound.
	MaxRecordBytes int
	// Partitions is the partition count of every topic, for finding
	// records on the wrong partition; 0 skips the check (goka's tester
	// has a single partition).
	Partitions int32
}

// Gate is one group's input gate.
type Gate struct {
	group  goka.Group
	limits Limits
	logger *slog.Logger
	tracer *tracing.Tracer // nil: tracing off
}

// New returns the gate of group. tracer makes the group's spans (Trace);
// nil is tracing off.
func New(group goka.Group, limits Limits, logger *slog.Logger, tracer *tracing.Tracer) *Gate {
	return &Gate{group: group, limits: limits, logger: logger, tracer: tracer}
}

// Edges returns the output edges every group with a gate declares: the
// dead-letter topic, and the streams it routes, since it moves misplaced
// records back onto them.
func (g *Gate) Edges() []goka.Edge {
	edges := []goka.Edge{goka.Output(topology.DeadLetters, codecs.Raw{})}
	for _, s := range topology.Streams() {
		if r, ok := topology.Router(s); ok && r == g.group {
			edges = append(edges, goka.Output(s, codecs.Raw{}))
		}
	}
	return edges
}

// Log returns the logger for the record being processed: every line names
// the order and the group, and the trace when there is one.
func (g *Gate) Log(ctx goka.Context) *slog.Logger {
	return tracing.Logger(ctx.Context(), g.logger, slog.String("order_id", ctx.Key()), slog.String("stage", string(g.group)))
}

// Decode passes the record being processed, whose raw value is msg, through
// the gate and reads it as a T. It reports false when the callback has
// nothing to do: the record was set aside or moved.
func Decode[T codecs.Schema](g *Gate, ctx goka.Context, msg any) (T, bool) {
	var zero T
	value, _ := msg.([]byte)
	rec, err := decode[T](ctx.Key(), value, g.limits.MaxRecordBytes)
	if err != nil {
		g.SetAside(ctx, value, err)
		return zero, false
	}
	if g.misplaced(ctx, value) {
		return zero, false
	}
	return rec, true
}

// decode checks a record's key and size and decodes its value.
func decode[T codecs.Schema](key string, value []byte, maxBytes int) (T, error) {
	var rec T
	switch {
	case key == "":
		return rec, fmt.Errorf("%w: no key (the order id)", codecs.ErrMalformed)
	case len(value) == 0:
		return rec, fmt.Errorf("%w: empty value", codecs.ErrMalformed)
	case maxBytes > 0 && len(value) > maxBytes:
		return rec, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(value), maxBytes)
	}
	rec, err := codecs.Decode[T](value)
	if err != nil {
		return rec, err
	}
	if k, ok := any(rec).(interface{ OrderKey() string }); ok && k.OrderKey() != key {
		return rec, fmt.Errorf("%w: key %q is not the order id %q", codecs.ErrInvalid, key, k.OrderKey())
	}
	return rec, nil
}

// Graph returns the group graph of the gate's group: edges, plus the edges
// every gated group declares.
func (g *Gate) Graph(edges ...goka.Edge) *goka.GroupGraph {
	return goka.DefineGroup(g.group, append(edges, g.Edges()...)...)
}

// NewProcessor returns the processor of graph. Empty records reach the
// callbacks, which set them aside as dead letters, instead of goka dropping
// them.
func NewProcessor(brokers []string, graph *goka.GroupGraph, opts ...goka.ProcessorOption) (*goka.Processor, error) {
	opts = append(opts, goka.WithNilHandling(goka.NilProcess))
	return goka.NewProcessor(brokers, graph, opts...)
}

// Entry returns the table value of the record being processed, or empty
// when the group has none for its key yet.
func Entry[T any](ctx goka.Context, empty T) T {
	if e, ok := ctx.Value().(T); ok {
		return e
	}
	return empty
}
