// Package notifications is the last stage: it reads every order's outcome
// from sent_orders, tells the customer through a Notifier (NATS JetStream in
// production) and records that on notified_orders.
//
// Deliveries are made beside the callbacks (intake.Calls), many orders at a
// time per partition, and their answers come back on the group's loopback
// topic. A notifier that does not take the message is asked again later
// through the scheduler (topology.Retries), for as long as it takes: a
// notification is never dropped, and other orders of the partition go on
// meanwhile.
package notifications

import (
	"context"
	"log/slog"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/notify"
	"orderflow/retry"
	"orderflow/topology"
	"orderflow/tracing"
)

// Notifier delivers a message to a customer. Delivering the same order's
// message twice must reach the customer once (notify.Publisher does this
// with JetStream message ids).
type Notifier interface {
	Notify(ctx context.Context, m notify.Message) error
}

// Config is what the stage needs.
type Config struct {
	Notifier Notifier
	Logger   *slog.Logger
	Limits   intake.Limits
	// Retry schedules further attempts while the notifier fails; its
	// Attempts are ignored: a notification is tried until it is delivered.
	Retry retry.Policy
	// CallTimeout bounds one delivery; 0 means 5 s.
	CallTimeout time.Duration
	Now         func() time.Time
	// Answers writes deliveries' answers to the group's loopback topic (a
	// goka emitter); nil delivers inside the callback, one order at a time
	// per partition (goka's tester).
	Answers intake.AnswerEmitter
	// Context bounds the deliveries: the processor's lifetime.
	Context context.Context
	// InFlight caps the deliveries out at once; 0 means 256.
	InFlight int
	// Tracer makes the stage's spans; nil is tracing off.
	Tracer *tracing.Tracer
	// Unacked waits for the broker to have an order's table entry before
	// a call the entry records is made (kafka.Acks.Unacked); nil makes
	// calls at once (goka's tester, where nothing crashes).
	Unacked func(key string) func() error
}

// Entry is the stage's state for one order in the notifications table.
type Entry struct {
	V int `json:"v"`
	// Notified is the record written to notified_orders, written again
	// unchanged when an input is seen again; the customer is not told twice.
	Notified *events.CustomerNotified `json:"notified,omitempty"`
	// Attempts counts the deliveries that failed; Retry is the retry
	// scheduled last and not yet done.
	Attempts int                    `json:"attempts,omitempty"`
	Retry    *events.RetryScheduled `json:"retry,omitempty"`
	// Call is the delivery out, whose answer the stage waits for.
	Call *events.Call `json:"call,omitempty"`
}

// Validate implements codecs.Schema.
func (e Entry) Validate() error { return codecs.CheckVersion(e.V) }

// Define returns the stage's group graph; production and tests share it
// (intake.NewProcessor makes the processor).
func Define(cfg Config) *goka.GroupGraph {
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 5 * time.Second
	}
	s := &stage{cfg: cfg, gate: intake.New(topology.NotificationsGroup, cfg.Limits, cfg.Logger, cfg.Tracer)}
	// Every failed delivery is retried: a notification is never dropped.
	s.calls = intake.NewCalls(intake.CallsConfig{
		Emitter: cfg.Answers, Context: cfg.Context, InFlight: cfg.InFlight,
		Passing: func(error) bool { return true }, Logger: cfg.Logger,
		Tracer: cfg.Tracer, Unacked: cfg.Unacked, Peer: "nats",
	})
	w := func(cb goka.ProcessCallback) goka.ProcessCallback { return s.gate.Trace(s.calls.Wrap(cb)) }
	edges := []goka.Edge{
		goka.Input(topology.SentOrders, codecs.Raw{}, w(s.shipmentSettled)),
		goka.Output(topology.NotifiedOrders, codecs.JSON[events.CustomerNotified]{}),
		goka.Persist(codecs.JSON[Entry]{}),
	}
	edges = append(edges, intake.CallEdges(w(s.retryDue), w(s.answered))...)
	return s.gate.Graph(edges...)
}

type stage struct {
	cfg   Config
	gate  *intake.Gate
	calls *intake.Calls
}
