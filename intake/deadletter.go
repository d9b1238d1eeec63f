// Package deadletter sets aside records a processor cannot use, so that one
// bad record never stops a processor. A dead letter keeps the original key,
// value and headers, and adds headers that say where it came from and why it
// was set aside; `orderflow dlq` lists and replays them.
package intake

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/topology"
)

// Headers added to every dead letter.
const (
	HeaderTopic     = "dlq.source.topic"
	HeaderPartition = "dlq.source.partition"
	HeaderOffset    = "dlq.source.offset"
	HeaderGroup     = "dlq.group"
	HeaderError     = "dlq.error"
	HeaderTime      = "dlq.time"
)

// ErrTooLarge is the reason for a record over the configured size limit.
var ErrTooLarge = errors.New("record too large")

// Edge is the output edge every processor declares for its dead letters.
func Edge() goka.Edge {
	return goka.Output(topology.DeadLetters, codecs.Raw{})
}

// Put sets the record being processed, whose raw value is msg, aside with
// reason. logger is the callback's, which already names the order.
func Put(ctx goka.Context, msg any, reason error, logger *slog.Logger) {
	logger.Warn("record set aside as dead letter",
		"topic", string(ctx.Topic()), "partition", ctx.Partition(),
		"offset", ctx.Offset(), "reason", reason.Error())
	headers := goka.Headers{
		HeaderTopic:     []byte(ctx.Topic()),
		HeaderPartition: []byte(strconv.Itoa(int(ctx.Partition()))),
		HeaderOffset:    []byte(strconv.FormatInt(ctx.Offset(), 10)),
		HeaderGroup:     []byte(ctx.Group()),
		HeaderError:     []byte(reason.Error()),
		HeaderTime:      []byte(time.Now().UTC().Format(time.RFC3339Nano)),
	}
	value, _ := msg.([]byte)
	ctx.Emit(topology.DeadLetters, ctx.Key(), value, goka.WithCtxEmitHeaders(ctx.Headers().Merged(headers)))
}

// Decode reads msg, the raw value of the record being processed, as a T. A
// record that is larger than maxBytes, empty, keyless or does not decode is
// put aside, and Decode reports false.
func Decode[T codecs.Schema](ctx goka.Context, msg any, maxBytes int, logger *slog.Logger) (T, bool) {
	var rec T
	value, _ := msg.([]byte)
	var err error
	switch {
	case ctx.Key() == "":
		err = errors.New("record has no key (the order id)")
	case len(value) == 0:
		err = fmt.Errorf("%w: empty value", codecs.ErrMalformed)
	case maxBytes > 0 && len(value) > maxBytes:
		err = fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(value), maxBytes)
	default:
		rec, err = codecs.Decode[T](value)
		if k, ok := any(rec).(interface{ OrderKey() string }); ok && err == nil && k.OrderKey() != ctx.Key() {
			err = fmt.Errorf("%w: key %q is not the order id %q", codecs.ErrInvalid, ctx.Key(), k.OrderKey())
		}
	}
	if err != nil {
		Put(ctx, msg, err, logger)
		return rec, false
	}
	return rec, true
}
