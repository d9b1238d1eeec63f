// Package payment is the payment stage: it reads orders from new_orders,
// charges them through a Gateway and writes the outcome to payed_orders. It
// also hears cancellations, so that an order cancelled before any charge
// never is, and refunds orders that shipping cancelled after payment.
//
// A gateway that does not answer is asked again later through the scheduler
// (topology.Retries), never by waiting inside the callback: other orders of
// the partition go on meanwhile.
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
}

// Define returns the stage's group graph; production and tests share it
// (intake.NewProcessor makes the processor).
func Define(cfg Config) *goka.GroupGraph {
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	s := &stage{cfg: cfg, gate: intake.New(topology.PaymentGroup, cfg.Limits, cfg.Logger)}
	edges := []goka.Edge{
		goka.Input(topology.NewOrders, codecs.Raw{}, s.placed),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, s.cancelRequested),
		goka.Input(topology.SentOrders, codecs.Raw{}, s.shipmentSettled),
		goka.Output(topology.PayedOrders, codecs.JSON[events.PaymentSettled]{}),
		goka.Persist(codecs.JSON[Entry]{}),
	}
	edges = append(edges, intake.RetryEdges(s.retryDue)...)
	return s.gate.Graph(edges...)
}

type stage struct {
	cfg  Config
	gate *intake.Gate
}
