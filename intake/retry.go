package intake

import (
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

// Retry returns the record that asks for another try of action on the order
// being processed at due, after attempts failed ones, the last for reason.
// input is the record to act on again.
func (g *Gate) Retry(ctx goka.Context, action string, attempts int, due time.Time, reason error, input []byte) events.RetryScheduled {
	g.Log(ctx).Warn("call failed; retry scheduled", "action", action, "attempt", attempts, "due_at", due, "reason", reason.Error())
	return events.RetryScheduled{
		V: codecs.Version, OrderID: ctx.Key(), Group: string(g.group), Action: action,
		Attempt: attempts, DueAt: due.UTC(), Reason: reason.Error(), Input: input,
	}
}
