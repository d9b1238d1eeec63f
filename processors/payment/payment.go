// Package payment is the payment stage: it reads orders from new_orders,
// charges them through a Gateway and writes the outcome to payed_orders. It
// also hears cancellations, so that an order cancelled before any charge
// never is, and refunds orders that shipping cancelled after payment.
//
// Gateway calls are made beside the callbacks (intake.Calls), many orders
// at a time per partition, and their answers come back on the group's
// loopback topic, where the table is written. A gateway that does not
// answer is asked again later through the scheduler (topology.Retries).
package payment

import (
	"context"
	"log/slog"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/retry"
	"orderflow/topology"
	"orderflow/tracing"
)

// Gateway charges and refunds; gateway.Simulated is the built-in one.
type Gateway interface {
	Charge(ctx context.Context, req gateway.ChargeRequest) (gateway.Charge, error)
	Refund(ctx context.Context, req gateway.RefundRequest) error
}

// Config is what the stage needs.
type Config struct {
	Gateway Gateway
	Logger  *slog.Logger
	Limits  intake.Limits
	// Retry schedules further attempts while the gateway is unavailable:
	// a charge gives up after Retry.Attempts, a refund never does.
	Retry retry.Policy
	// CallTimeout bounds one gateway call; 0 means 10 s.
	CallTimeout time.Duration
	Now         func() time.Time
	// Answers writes the gateway's answers to the group's loopback topic
	// (a goka emitter); nil makes each call inside its callback, one order
	// at a time per partition (goka's tester).
	Answers intake.AnswerEmitter
	// Context bounds the calls: the processor's lifetime.
	Context context.Context
	// InFlight caps the gateway calls out at once; 0 means 256.
	InFlight int
	// Tracer makes the stage's spans; nil is tracing off.
	Tracer *tracing.Tracer
	// Unacked waits for the broker to have an order's table entry before
	// a call the entry records is made (kafka.Acks.Unacked); nil makes
	// calls at once (goka's tester, where nothing crashes).
	Unacked func(key string) func() error
}

// Define returns the stage's group graph; production and tests share it
// (intake.NewProcessor makes the processor).
func Define(cfg Config) *goka.GroupGraph {
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	s := &stage{cfg: cfg, gate: intake.New(topology.PaymentGroup, cfg.Limits, cfg.Logger, cfg.Tracer)}
	s.calls = intake.NewCalls(intake.CallsConfig{
		Emitter: cfg.Answers, Context: cfg.Context, InFlight: cfg.InFlight, Passing: passing, Logger: cfg.Logger,
		Tracer: cfg.Tracer, Unacked: cfg.Unacked, Peer: "gateway",
	})
	w := func(cb goka.ProcessCallback) goka.ProcessCallback { return s.gate.Trace(s.calls.Wrap(cb)) }
	edges := []goka.Edge{
		goka.Input(topology.NewOrders, codecs.Raw{}, w(s.placed)),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, w(s.cancelRequested)),
		goka.Input(topology.SentOrders, codecs.Raw{}, w(s.shipmentSettled)),
		goka.Output(topology.PayedOrders, codecs.JSON[events.PaymentSettled]{}),
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
