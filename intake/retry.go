package intake

import (
	"fmt"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/topology"
)

// RetryEdges returns the edges of a group that retries calls to the outside
// world: it writes retries, and reads them back on its loopback topic when
// the scheduler finds them due.
func RetryEdges(due goka.ProcessCallback) []goka.Edge {
	return []goka.Edge{
		goka.Output(topology.Retries, codecs.Raw{}),
		goka.Loop(codecs.Raw{}, due),
	}
}

// CallEdges returns the edges of a group whose calls are made beside its
// callbacks (Calls): RetryEdges, with the loopback topic carrying both due
// retries and the calls' answers, told apart by a header.
func CallEdges(due, answered goka.ProcessCallback) []goka.Edge {
	return RetryEdges(func(ctx goka.Context, msg any) {
		if IsAnswer(ctx) {
			answered(ctx, msg)
			return
		}
		due(ctx, msg)
	})
}

// Retry returns the record that asks for another try of action on the order
// being processed at due, after attempts failed ones, the last for reason.
// input is the record to act on again.
func (g *Gate) Retry(ctx goka.Context, action string, attempts int, due time.Time, reason error, input []byte) events.RetryScheduled {
	g.Log(ctx).Warn("call failed; retry scheduled", "action", action, "attempt", attempts, "due_at", due, "reason", reason.Error())
	return events.RetryScheduled{
		V: codecs.Version, OrderID: ctx.Key(), Group: string(g.group), Action: action,
		Attempt: attempts, ScheduledBy: Source(ctx), DueAt: due.UTC(), Reason: reason.Error(), Input: input,
	}
}

// Pending reports whether r is the retry the entry holds as pending: the
// one to act on. Any other is a copy a crash or a repeated input left
// behind.
func Pending(pending *events.RetryScheduled, r events.RetryScheduled) bool {
	return pending != nil && pending.Action == r.Action && pending.Attempt == r.Attempt && pending.ScheduledBy == r.ScheduledBy
}

// ReplayRetry sends the pending retry r again, with the entry, when the
// record being processed is the one that scheduled it: a crash may have
// lost the first send. Any other input while a retry is pending changes
// nothing, so that copies of a retry never multiply.
func (g *Gate) ReplayRetry(ctx goka.Context, entry any, r events.RetryScheduled) {
	if r.ScheduledBy != Source(ctx) {
		g.Log(ctx).Info("input seen while a retry is pending; nothing to do", "action", r.Action, "attempt", r.Attempt)
		return
	}
	g.Replay(ctx, entry, topology.Retries, r)
}

// Source names the record being processed, as topic/partition@offset.
func Source(ctx goka.Context) string {
	return fmt.Sprintf("%s/%d@%d", ctx.Topic(), ctx.Partition(), ctx.Offset())
}
