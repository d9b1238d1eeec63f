package intake

import (
	"errors"
	"fmt"

	"github.com/lovoo/goka"

	"orderflow/kafka"
	"orderflow/topology"
)

// HeaderMovedFrom marks a record the router moved to its partition; it says
// where it was first written, as topic/partition@offset.
const HeaderMovedFrom = "orderflow.moved-from"

// ErrMisplaced is the reason for a record that stays on the wrong partition
// after it was moved once: the topic's partition count is not the one
// configured, and moving it again would loop.
var ErrMisplaced = errors.New("record on the wrong partition")

// misplaced reports whether the record being processed sits on another
// partition than murmur2(key) mod partitions, where every other record of its
// order is. The stream's router moves it there; every other group skips it
// and reads the moved copy. Processing it here would split the order's state
// across two partitions' tables.
func (g *Gate) misplaced(ctx goka.Context, value []byte) bool {
	topic := goka.Stream(ctx.Topic())
	router, routed := topology.Router(topic)
	if g.limits.Partitions == 0 || !routed {
		return false
	}
	want := kafka.Partition(ctx.Key(), g.limits.Partitions)
	if want == ctx.Partition() {
		return false
	}
	log := g.Log(ctx).With("topic", ctx.Topic(), "partition", ctx.Partition(), "offset", ctx.Offset(), "want_partition", want)
	switch {
	case router != g.group:
		log.Debug("record on the wrong partition left to its router", "router", string(router))
	case ctx.Headers()[HeaderMovedFrom] != nil:
		g.SetAside(ctx, value, fmt.Errorf("%w: still on partition %d after a move, want %d of %d", ErrMisplaced, ctx.Partition(), want, g.limits.Partitions))
	default:
		from := fmt.Appendf(nil, "%s/%d@%d", topic, ctx.Partition(), ctx.Offset())
		ctx.Emit(topic, ctx.Key(), value, goka.WithCtxEmitHeaders(g.passOn(ctx.Headers(), goka.Headers{HeaderMovedFrom: from})))
		log.Info("record moved to its partition")
	}
	return true
}
