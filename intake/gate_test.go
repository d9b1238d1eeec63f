package intake

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/kafka"
	"orderflow/topology"
)

func newGate(group string, partitions int32) *Gate {
	return New(goka.Group(group), Limits{MaxRecordBytes: 1 << 20, Partitions: partitions}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

func placed(id string) []byte { return ordertest.Bytes(ordertest.Placed(id, "c1", "tok_visa")) }

// record returns the context of a new_orders record of order id at offset on
// partition, in the generation gen.
func record(gen context.Context, id string, partition int32, offset int64) *fakeContext {
	return &fakeContext{ctx: gen, topic: topology.NewOrders, partition: partition, offset: offset, key: id}
}

func TestARetryIsSentAgainOnlyByTheRecordThatScheduledIt(t *testing.T) {
	g := newGate("payment", 0)
	first := record(context.Background(), "o1", 0, 10)
	r := g.Retry(first, "charge", 1, ordertest.Epoch, context.DeadlineExceeded, placed("o1"))
	require.Equal(t, "new_orders/0@10", r.ScheduledBy)

	t.Run("the same record processed again sends it again: a crash may have lost it", func(t *testing.T) {
		again := record(context.Background(), "o1", 0, 10)
		g.ReplayRetry(again, "entry", r)
		require.Len(t, again.emitted, 1)
		require.Equal(t, topology.Retries, again.emitted[0].topic)
		require.Equal(t, "entry", again.value)
	})
	t.Run("any other record changes nothing, so copies never multiply", func(t *testing.T) {
		other := record(context.Background(), "o1", 0, 11)
		g.ReplayRetry(other, "entry", r)
		require.Empty(t, other.emitted)
		require.Nil(t, other.value)
	})
	t.Run("only the pending retry is acted on", func(t *testing.T) {
		require.True(t, Pending(&r, r))
		copyOf := r
		copyOf.ScheduledBy = "new_orders/0@11"
		require.False(t, Pending(&r, copyOf))
		older := r
		older.Attempt = 0
		require.False(t, Pending(&r, older))
		require.False(t, Pending(nil, r))
	})
}

// keyOn returns an order id that murmur2 places on partition p of n.
func keyOn(t *testing.T, p, n int32) string {
	t.Helper()
	for i := range 1000 {
		id := "o" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		if kafka.Partition(id, n) == p {
			return id
		}
	}
	t.Fatal("no key found")
	return ""
}

func TestMisplacedRecords(t *testing.T) {
	id := keyOn(t, 2, 6)
	t.Run("the router moves a record to its partition and does not process it", func(t *testing.T) {
		g := newGate("payment", 6)
		ctx := record(context.Background(), id, 4, 7)
		_, ok := Decode[events.OrderPlaced](g, ctx, placed(id))
		require.False(t, ok)
		require.Len(t, ctx.emitted, 1)
		require.Equal(t, topology.NewOrders, ctx.emitted[0].topic)
		require.Equal(t, id, ctx.emitted[0].key)
		require.Equal(t, placed(id), ctx.emitted[0].value)
	})
	t.Run("another reader skips it and waits for the moved copy", func(t *testing.T) {
		g := newGate("orders", 6)
		ctx := record(context.Background(), id, 4, 7)
		_, ok := Decode[events.OrderPlaced](g, ctx, placed(id))
		require.False(t, ok)
		require.Empty(t, ctx.emitted)
	})
	t.Run("a record moved once and still misplaced is set aside, not moved again", func(t *testing.T) {
		g := newGate("payment", 6)
		ctx := record(context.Background(), id, 4, 7)
		ctx.headers = map[string][]byte{HeaderMovedFrom: []byte("new_orders/1@3")}
		_, ok := Decode[events.OrderPlaced](g, ctx, placed(id))
		require.False(t, ok)
		require.Len(t, ctx.emitted, 1)
		require.Equal(t, topology.DeadLetters, ctx.emitted[0].topic)
	})
	t.Run("a record on its partition is processed", func(t *testing.T) {
		g := newGate("orders", 6)
		ctx := record(context.Background(), id, 2, 7)
		_, ok := Decode[events.OrderPlaced](g, ctx, placed(id))
		require.True(t, ok)
	})
}
