package intake

import (
	"errors"
	"strconv"
	"time"

	"github.com/lovoo/goka"

	"orderflow/topology"
)

// Headers added to every dead letter, beside the original record's own.
const (
	HeaderTopic     = "dlq.source.topic"
	HeaderPartition = "dlq.source.partition"
	HeaderOffset    = "dlq.source.offset"
	HeaderGroup     = "dlq.group"
	HeaderError     = "dlq.error"
	HeaderReason    = "dlq.reason" // one of Reasons(), for counting
	HeaderTime      = "dlq.time"
)

// ErrTooLarge is the reason for a record over the configured size limit.
var ErrTooLarge = errors.New("record too large")

// SetAside puts the record being processed, whose raw value is value, on the
// dead-letter topic with its original key and headers and the reason, so
// that a person can see it and `orderflow dlq replay` can send it back.
func (g *Gate) SetAside(ctx goka.Context, value []byte, reason error) {
	g.Log(ctx).Warn("record set aside as dead letter",
		"topic", ctx.Topic(), "partition", ctx.Partition(), "offset", ctx.Offset(), "reason", reason.Error())
	markFailed(ctx, reason)
	headers := goka.Headers{
		HeaderTopic:     []byte(ctx.Topic()),
		HeaderPartition: []byte(strconv.Itoa(int(ctx.Partition()))),
		HeaderOffset:    []byte(strconv.FormatInt(ctx.Offset(), 10)),
		HeaderGroup:     []byte(ctx.Group()),
		HeaderError:     []byte(reason.Error()),
		HeaderReason:    []byte(Reason(reason)),
		HeaderTime:      []byte(time.Now().UTC().Format(time.RFC3339Nano)),
	}
	ctx.Emit(topology.DeadLetters, ctx.Key(), value, goka.WithCtxEmitHeaders(g.passOn(ctx.Headers(), headers)))
}
