package intake

import "github.com/lovoo/goka"

// Replay handles an input the stage has already acted on: goka is
// at-least-once, so after a crash an input comes again. The effect (a charge,
// a parcel, a message) is not repeated; the entry is written again and what
// the stage emitted is emitted again, because a crash may have lost either
// between the table write and the emit, and a later stage would wait for ever.
func (g *Gate) Replay(ctx goka.Context, entry any, topic goka.Stream, emitted any) {
	g.Log(ctx).Info("input seen again; re-emitting", "topic", string(topic))
	ctx.SetValue(entry)
	ctx.Emit(topic, ctx.Key(), emitted)
}
