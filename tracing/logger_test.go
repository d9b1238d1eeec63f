package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestALineCarriesTheLoggersAttributesFirstAndItsTrace(t *testing.T) {
	tr, _ := newTracer(t)
	ctx, span := tr.Start(context.Background(), "stage")
	defer span.End()
	var out bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&out, nil)).With("service", "payment")

	Logger(ctx, base, slog.String("order_id", "o-1")).With("attempt", 2).Info("payment settled", "status", "paid")

	var line map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &line))
	require.Equal(t, "o-1", line["order_id"])
	require.Equal(t, "payment", line["service"])
	require.Equal(t, span.SpanContext().TraceID().String(), line["trace_id"])
	require.InDelta(t, 2, line["attempt"], 0)
	s := out.String()
	require.Less(t, strings.Index(s, `"service"`), strings.Index(s, `"order_id"`), "the base logger's attributes come first")
	require.Less(t, strings.Index(s, `"order_id"`), strings.Index(s, `"status"`), "then the order's, then the line's own")
}

func TestAttributesInAGroupAreWrittenOutsideIt(t *testing.T) {
	var out bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&out, nil))

	Logger(context.Background(), base, slog.String("order_id", "o-2")).WithGroup("call").Info("started", "action", "charge")

	var line struct {
		OrderID string            `json:"order_id"`
		Call    map[string]string `json:"call"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &line))
	require.Equal(t, "o-2", line.OrderID)
	require.Equal(t, map[string]string{"action": "charge"}, line.Call)
}

// counting counts what reaches the handler below: nothing may, for a line
// below its level.
type counting struct {
	slog.Handler
	withAttrs, handled int
}

func (c *counting) WithAttrs(as []slog.Attr) slog.Handler { c.withAttrs++; return c }
func (c *counting) Handle(context.Context, slog.Record) error {
	c.handled++
	return nil
}

func TestALineBelowTheLevelCostsNoFormatting(t *testing.T) {
	c := &counting{Handler: slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})}

	Logger(context.Background(), slog.New(c), slog.String("order_id", "o-3")).Info("customer notified")

	require.Zero(t, c.withAttrs, "the attributes were never handed to the handler")
	require.Zero(t, c.handled)
	Logger(context.Background(), slog.New(c), slog.String("order_id", "o-3")).Warn("slow")
	require.Equal(t, 1, c.handled)
}
