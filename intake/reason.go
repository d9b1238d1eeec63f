package intake

import (
	"errors"

	"orderflow/codecs"
	"orderflow/order"
)

// ErrCallFailed is the reason for a record set aside because a call to the
// outside world failed for good: a charge whose attempts ran out, a refund
// the gateway refused.
var ErrCallFailed = errors.New("call failed")

// The reasons a record is set aside, short and few, for the dead-letter
// header HeaderReason and the metrics; the header HeaderError has the detail.
const (
	ReasonMalformed      = "malformed"       // no key, empty, not JSON
	ReasonUnknownVersion = "unknown_version" // a schema version this build does not know
	ReasonInvalid        = "invalid"         // decodes, but breaks a rule
	ReasonTooLarge       = "too_large"
	ReasonMisplaced      = "misplaced" // still on the wrong partition after a move
	ReasonTransition     = "transition"
	ReasonCallFailed     = "call_failed"
	ReasonOther          = "other"
)

// Reasons lists every reason, for metrics that start each at zero.
func Reasons() []string {
	return []string{ReasonMalformed, ReasonUnknownVersion, ReasonInvalid, ReasonTooLarge, ReasonMisplaced,
		ReasonTransition, ReasonCallFailed, ReasonOther}
}

// Reason names why err set a record aside.
func Reason(err error) string {
	var transition *order.ErrTransition
	switch {
	case errors.Is(err, codecs.ErrMalformed):
		return ReasonMalformed
	case errors.Is(err, codecs.ErrUnknownVersion):
		return ReasonUnknownVersion
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	case errors.Is(err, ErrMisplaced):
		return ReasonMisplaced
	case errors.As(err, &transition):
		return ReasonTransition
	case errors.Is(err, ErrCallFailed):
		return ReasonCallFailed
	case errors.Is(err, codecs.ErrInvalid):
		return ReasonInvalid
	}
	return ReasonOther
}
