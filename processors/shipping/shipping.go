// Package shipping is the shipping stage: it reads payment outcomes from
// payed_orders, packs and ships paid orders and writes every order's outcome
// to sent_orders. It decides late cancellations: a paid order may be
// cancelled until it is shipped, and then the payment stage refunds it.
package shipping

import (
	"log/slog"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/topology"
	"orderflow/tracing"
)

// Config is what the stage needs.
type Config struct {
	Logger *slog.Logger
	Limits intake.Limits
	Now    func() time.Time
	// Tracer makes the stage's spans; nil is tracing off.
	Tracer *tracing.Tracer
}

// Entry is the stage's state for one order in the shipping table.
type Entry struct {
	V               int  `json:"v"`
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Settled is the record written to sent_orders, written again unchanged
	// when an input is seen again.
	Settled *events.ShipmentSettled `json:"settled,omitempty"`
}

// Validate implements codecs.Schema.
func (e Entry) Validate() error { return codecs.CheckVersion(e.V) }

// Define returns the stage's group graph; production and tests share it
// (intake.NewProcessor makes the processor).
func Define(cfg Config) *goka.GroupGraph {
	s := &stage{cfg: cfg, gate: intake.New(topology.ShippingGroup, cfg.Limits, cfg.Logger, cfg.Tracer)}
	edges := []goka.Edge{
		goka.Input(topology.PayedOrders, codecs.Raw{}, s.gate.Trace(s.paymentSettled)),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, s.gate.Trace(s.cancelRequested)),
		goka.Output(topology.SentOrders, codecs.JSON[events.ShipmentSettled]{}),
		goka.Persist(codecs.JSON[Entry]{}),
	}
	return s.gate.Graph(edges...)
}

type stage struct {
	cfg  Config
	gate *intake.Gate
}

// paymentSettled ships a paid order, or cancels it if the customer asked in
// time, and passes every other outcome on.
func (s *stage) paymentSettled(ctx goka.Context, msg any) {
	p, ok := intake.Decode[events.PaymentSettled](s.gate, ctx, msg)
	if !ok {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	if e.Settled != nil {
		s.gate.Replay(ctx, e, topology.SentOrders, *e.Settled)
		return
	}
	next, out := decide(e, p, s.cfg.Now())
	if err := check(p, out); err != nil {
		s.gate.SetAside(ctx, msg.([]byte), err)
		return
	}
	ctx.SetValue(next)
	ctx.Emit(topology.SentOrders, ctx.Key(), out)
	s.gate.Log(ctx).Info("shipping settled", "status", out.Status, "reason", out.Reason)
}

// cancelRequested records a cancel that arrived before the order was
// settled here; after that it is refused.
func (s *stage) cancelRequested(ctx goka.Context, msg any) {
	if _, ok := intake.Decode[events.CancelRequested](s.gate, ctx, msg); !ok {
		return
	}
	e := intake.Entry(ctx, Entry{V: codecs.Version})
	if next, taken := decideCancel(e); taken {
		ctx.SetValue(next)
		s.gate.Log(ctx).Info("cancel request recorded before shipping")
		return
	}
	s.gate.Log(ctx).Info("cancel request refused or already recorded")
}
