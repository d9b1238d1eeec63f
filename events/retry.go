package events

import (
	"encoding/json"
	"errors"
	"time"

	"orderflow/codecs"
	"orderflow/order"
)

// RetryScheduled is the record on retries: a stage's call to the outside
// world (a charge, a refund, a notification) failed for a passing reason and
// is to be tried again at DueAt. The retry scheduler hands it back to the
// stage's loopback topic when it is due, so that the stage's partition goes
// on with other orders meanwhile.
type RetryScheduled struct {
	V       int    `json:"v"`
	OrderID string `json:"order_id"`
	// Group is the stage that retries; the scheduler sends the record back
	// to that group's loopback topic.
	Group string `json:"group"`
	// Action names what is retried, for the stage and for people reading
	// the topic: "charge", "refund" or "notify".
	Action string `json:"action"`
	// Attempt counts the failed attempts so far (an attempt cut short by a
	// stop does not count).
	Attempt int `json:"attempt"`
	// ScheduledBy names the record whose processing scheduled this retry,
	// as topic/partition@offset. With Attempt it identifies the retry: the
	// stage acts only on the one its table holds as pending, and sends it
	// again only when that same record is processed again (a crash may have
	// lost the first send), so copies never multiply.
	ScheduledBy string    `json:"scheduled_by"`
	DueAt       time.Time `json:"due_at"`
	// Reason is why the last attempt failed.
	Reason string `json:"reason,omitempty"`
	// Input is the record to act on again, as the stage first read it.
	Input json.RawMessage `json:"input"`
}

// Validate implements codecs.Schema.
func (e RetryScheduled) Validate() error {
	if err := codecs.CheckVersion(e.V); err != nil {
		return err
	}
	if err := order.CheckID("order_id", e.OrderID); err != nil {
		return err
	}
	switch {
	case e.Group == "" || e.Action == "":
		return errors.New("group, action: are required")
	case e.Attempt < 0:
		return errors.New("attempt: must not be negative")
	case e.ScheduledBy == "":
		return errors.New("scheduled_by: is required")
	case e.DueAt.IsZero():
		return errors.New("due_at: is missing")
	case len(e.Input) == 0:
		return errors.New("input: is missing")
	}
	return nil
}

// OrderKey returns the order id the record is about: its Kafka key.
func (e RetryScheduled) OrderKey() string { return e.OrderID }
