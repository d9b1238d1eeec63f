package intake

import (
	"errors"

	"github.com/lovoo/goka"
)

// errAfterAbandon is why a record behind an abandoned one is abandoned too.
var errAfterAbandon = errors.New("an earlier record of this partition was left for the next owner")

// Abandon leaves the record being processed uncommitted, so that it is
// processed again: by this instance after a restart, or by the instance that
// takes the partition over. It is for a record that is fine but whose work
// was interrupted (the processor is stopping, or its partition moves); the
// callback must return right after it without writing or emitting anything.
//
// Every later record of the partition in this generation is abandoned too,
// before its callback runs: goka's partition loop may still run one, and its
// commit would move the partition's offset past this record (sarama's marks
// only move forward), so that the next owner would never see it.
//
// goka's ctx.Fail would not do: while the processor is already stopping it
// only records the error and lets the callback, and the commit, go on.
func (g *Gate) Abandon(ctx goka.Context, err error) {
	g.mu.Lock()
	g.abandoned[ctx.Partition()] = ctx.Context()
	g.mu.Unlock()
	g.Log(ctx).Warn("record left for the next owner", "topic", ctx.Topic(), "partition", ctx.Partition(), "offset", ctx.Offset(), "reason", err.Error())
	ctx.DeferCommit()(err)
}

// afterAbandon abandons the record being processed if an earlier one of its
// partition was abandoned in this generation, and reports whether it did.
// A generation is the life of one partition processor, whose callbacks all
// share one context: a later generation (after a rebalance gave the
// partition back) processes the partition afresh.
func (g *Gate) afterAbandon(ctx goka.Context) bool {
	g.mu.Lock()
	abandoned, ok := g.abandoned[ctx.Partition()]
	g.mu.Unlock()
	if !ok || abandoned != ctx.Context() {
		return false
	}
	g.Abandon(ctx, errAfterAbandon)
	return true
}
