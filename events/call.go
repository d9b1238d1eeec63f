package events

import (
	"encoding/json"
	"errors"
	"fmt"

	"orderflow/codecs"
	"orderflow/order"
)

// Call names a stage's call to the outside world that is out: made beside
// the callbacks, so that the partition goes on with other orders, and
// answered later by a CallAnswered on the stage's loopback topic. A stage
// keeps the call it waits for in its table entry and acts only on that
// call's answer.
type Call struct {
	Action  string `json:"action"`
	Attempt int    `json:"attempt"`
	// StartedBy names the record that started the call, as
	// topic/partition@offset; with Action and Attempt it identifies it.
	StartedBy string `json:"started_by"`
}

// The outcomes of a call.
const (
	OutcomeOK          = "ok"          // answered; Result holds the answer
	OutcomeFailed      = "failed"      // refused for good
	OutcomePassing     = "passing"     // failed for a reason that may pass: retry later
	OutcomeInterrupted = "interrupted" // cut short by a stop: retry at once, no attempt counted
)

// CallAnswered is the answer to a Call, on the stage's loopback topic
// (marked with the header HeaderRecord: RecordAnswer).
type CallAnswered struct {
	V       int    `json:"v"`
	OrderID string `json:"order_id"`
	Call
	Outcome string `json:"outcome"`
	// Error is why the call failed, for the log and the dead letter.
	Error string `json:"error,omitempty"`
	// Result is the stage's own answer (a charge), when Outcome is ok.
	Result json.RawMessage `json:"result,omitempty"`
	// Input is the record the call was made for.
	Input json.RawMessage `json:"input"`
}

// HeaderRecord tells the kinds of record on a loopback topic apart.
const (
	HeaderRecord = "orderflow.record"
	RecordAnswer = "call-answered"
)

// Answers reports whether a is the answer to the call c.
func (a CallAnswered) Answers(c *Call) bool { return c != nil && *c == a.Call }

// OrderKey implements the gate's key check.
func (a CallAnswered) OrderKey() string { return a.OrderID }

// Validate implements codecs.Schema.
func (a CallAnswered) Validate() error {
	if err := codecs.CheckVersion(a.V); err != nil {
		return err
	}
	if err := order.CheckID("order_id", a.OrderID); err != nil {
		return err
	}
	switch {
	case a.Action == "" || a.StartedBy == "":
		return errors.New("action, started_by: are required")
	case a.Attempt < 0:
		return errors.New("attempt: must not be negative")
	case len(a.Input) == 0:
		return errors.New("input: is missing")
	}
	switch a.Outcome {
	case OutcomeOK, OutcomeFailed, OutcomePassing, OutcomeInterrupted:
		return nil
	}
	return fmt.Errorf("outcome: %q is not one of ok, failed, passing, interrupted", a.Outcome)
}
