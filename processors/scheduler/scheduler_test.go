package scheduler

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/topology"
)

func retryOf(group string, due time.Time) events.RetryScheduled {
	return events.RetryScheduled{V: codecs.Version, OrderID: "o1", Group: group, Action: "refund", Attempt: 1, ScheduledBy: "sent_orders/0@1", DueAt: due, Input: json.RawMessage(`{}`)}
}

func TestScheduler(t *testing.T) {
	tt := tester.New(t)
	now := ordertest.Epoch
	proc, err := intake.NewProcessor(nil, Define(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxWait: 50 * time.Millisecond, Now: func() time.Time { return now }}),
		goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	loop := tt.NewQueueTracker(string(topology.Loop(topology.PaymentGroup)))
	dead := tt.NewQueueTracker(string(topology.DeadLetters))

	t.Run("a due retry goes back to its stage's loopback unchanged", func(t *testing.T) {
		r := ordertest.Bytes(retryOf("payment", now.Add(-time.Second)))
		tt.Consume(string(topology.Retries), "o1", r)
		key, v, ok := loop.Next()
		require.True(t, ok)
		require.Equal(t, "o1", key)
		require.Equal(t, r, v)
	})
	t.Run("a retry due far ahead waits no longer than MaxWait", func(t *testing.T) {
		tt.Consume(string(topology.Retries), "o1", ordertest.Bytes(retryOf("payment", now.Add(24*time.Hour))))
		_, _, ok := loop.Next()
		require.True(t, ok)
	})
	t.Run("a retry for a group that does not retry is set aside", func(t *testing.T) {
		tt.Consume(string(topology.Retries), "o1", ordertest.Bytes(retryOf("shipping", now)))
		hdr, _, _, ok := dead.NextWithHeaders()
		require.True(t, ok)
		require.Contains(t, string(hdr[intake.HeaderError]), "does not retry")
		_, _, ok = loop.Next()
		require.False(t, ok)
	})
}
