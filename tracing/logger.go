package tracing

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Logger returns logger with attrs, and with the trace id of ctx's span when
// there is one, so that a log line leads to its trace.
//
// The attributes are added to a line only when one is written.
// slog.Logger.With would format them at once, at every level: a stage that
// asks for its order's logger for every record, to log one info line per
// order, paid for the formatting even when it ran at warn.
func Logger(ctx context.Context, logger *slog.Logger, attrs ...slog.Attr) *slog.Logger {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		attrs = append(attrs, slog.Any("trace_id", traceID(sc.TraceID())))
	}
	if len(attrs) == 0 {
		return logger
	}
	return slog.New(lineAttrs{next: logger.Handler(), attrs: attrs})
}

// traceID writes a trace id in hex only when its line is written.
type traceID trace.TraceID

func (t traceID) LogValue() slog.Value { return slog.StringValue(trace.TraceID(t).String()) }

// lineAttrs is a handler that adds its attributes to each line it writes,
// ahead of the line's own, as slog.Logger.With would have.
type lineAttrs struct {
	next  slog.Handler
	attrs []slog.Attr
}

func (h lineAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h lineAttrs) Handle(ctx context.Context, r slog.Record) error {
	line := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	line.AddAttrs(h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		line.AddAttrs(a)
		return true
	})
	return h.next.Handle(ctx, line)
}

func (h lineAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return lineAttrs{next: h.next, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], attrs...)}
}

// WithGroup puts what follows in the group, and the attributes before it.
func (h lineAttrs) WithGroup(name string) slog.Handler {
	return h.next.WithAttrs(h.attrs).WithGroup(name)
}
