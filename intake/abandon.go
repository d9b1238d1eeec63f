package intake

import "github.com/lovoo/goka"

// Abandon leaves the record being processed uncommitted, so that it is
// processed again: by this instance after a restart, or by the instance that
// takes the partition over. It is the opposite of a dead letter, for a
// record that is fine but whose processing was interrupted (the processor is
// stopping, or its partition moves), and the callback must return right
// after it without writing or emitting anything.
//
// goka's ctx.Fail would not do: while the processor is already stopping it
// only records the error and lets the callback, and the commit, go on.
func Abandon(ctx goka.Context, err error) {
	ctx.DeferCommit()(err)
}
