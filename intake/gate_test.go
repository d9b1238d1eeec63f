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
	return New(goka.Group(group), Limits{MaxRecordBytes: 1 << 20, Partitions: partitions}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func placed(id string) []byte { return ordertest.Bytes(ordertest.Placed(id, "c1", "tok_visa")) }

// record returns the context of a new_orders record of order id at offset on
// partition, in the generation gen.
func record(gen context.Context, id string, partition int32, offset int64) *fakeContext {
	return &fakeContext{ctx: gen, topic: topology.NewOrders, partition: partition, offset: offset, key: id}
}

func TestAbandonHoldsBackTheRestOfThePartition(t *testing.T) {
	g := newGate("payment", 0)
	stopping, stop := context.WithCancel(context.Background())

	// A stopping processor with several records queued on partition 0: the
	// first one's charge is interrupted and abandoned.
	first := record(stopping, "o1", 0, 10)
	_, ok := Decode[events.OrderPlaced](g, first, placed("o1"))
	require.True(t, ok)
	stop()
	g.Abandon(first, context.Canceled)
	require.False(t, first.committed())

	t.Run("no later record of the partition commits in this generation", func(t *testing.T) {
		for offset := int64(11); offset < 14; offset++ {
			later := record(stopping, "o2", 0, offset)
			_, ok := Decode[events.OrderPlaced](g, later, placed("o2"))
			require.False(t, ok, "offset %d must not be processed", offset)
			require.False(t, later.committed(), "offset %d must not be committed past the abandoned one", offset)
			require.Empty(t, later.emitted)
		}
	})
	t.Run("a bad record behind it is not set aside, which would commit it", func(t *testing.T) {
		bad := record(stopping, "o3", 0, 14)
		_, ok := Decode[events.OrderPlaced](g, bad, []byte("{not json"))
		require.False(t, ok)
		require.False(t, bad.committed())
		require.Empty(t, bad.emitted)
	})
	t.Run("other partitions go on", func(t *testing.T) {
		other := record(stopping, "o4", 1, 3)
		_, ok := Decode[events.OrderPlaced](g, other, placed("o4"))
		require.True(t, ok)
		require.True(t, other.committed())
	})
	t.Run("the next generation of the partition processes it afresh", func(t *testing.T) {
		again := record(context.Background(), "o1", 0, 10)
		_, ok := Decode[events.OrderPlaced](g, again, placed("o1"))
		require.True(t, ok)
		require.True(t, again.committed())
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
		require.True(t, ctx.committed())
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
