// Package orders is the orders group: it follows every topic of the pipeline
// and keeps, per order, the order with its status and history in the orders
// table. The API reads that table through a view, so answering "where is my
// order?" never touches a stage.
//
// Stages report on different topics, which goka reads concurrently, so
// reports may arrive in any order; order.State.Apply sorts them into the
// order's life. The group also reads dead letters, only to count them.
package orders

import (
	"log/slog"
	"slices"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/metrics"
	"orderflow/order"
	"orderflow/topology"
	"orderflow/tracing"
)

// Config is what the group needs.
type Config struct {
	Logger *slog.Logger
	Limits intake.Limits
	// Metrics, when set, counts every report, outcome and dead letter: this
	// group sees them all.
	Metrics *metrics.Pipeline
	// Tracer makes the group's spans; nil is tracing off.
	Tracer *tracing.Tracer
}

// Define returns the group graph; production and tests share it.
func Define(cfg Config) *goka.GroupGraph {
	g := &group{cfg: cfg, gate: intake.New(topology.OrdersGroup, cfg.Limits, cfg.Logger, cfg.Tracer)}
	t := g.gate.Trace
	edges := []goka.Edge{
		goka.Input(topology.NewOrders, codecs.Raw{}, t(g.placed)),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, t(g.cancelRequested)),
		goka.Input(topology.PayedOrders, codecs.Raw{}, t(g.paymentSettled)),
		goka.Input(topology.SentOrders, codecs.Raw{}, t(g.shipmentSettled)),
		goka.Input(topology.NotifiedOrders, codecs.Raw{}, t(g.customerNotified)),
		// Dead letters are only counted: no span of their own.
		goka.Input(topology.DeadLetters, codecs.Raw{}, g.deadLetter),
		goka.Persist(codecs.JSON[events.OrderState]{}),
	}
	return g.gate.Graph(edges...)
}

type group struct {
	cfg  Config
	gate *intake.Gate
}

func (g *group) placed(ctx goka.Context, msg any) {
	if p, ok := decode[events.OrderPlaced](g, ctx, msg); ok {
		g.update(ctx, msg, p.Order, order.Change{Status: order.Created, At: p.Order.CreatedAt}, nil)
	}
}

func (g *group) cancelRequested(ctx goka.Context, msg any) {
	c, ok := decode[events.CancelRequested](g, ctx, msg)
	if !ok {
		return
	}
	st := g.state(ctx)
	if st.CancelRequestedAt == nil {
		st.CancelRequestedAt = &c.At
		g.store(ctx, st)
	}
}

func (g *group) paymentSettled(ctx goka.Context, msg any) {
	p, ok := decode[events.PaymentSettled](g, ctx, msg)
	if !ok {
		return
	}
	g.update(ctx, msg, p.Order, order.Change{Status: p.Status, At: p.At, Reason: p.Reason}, func(st *events.OrderState) {
		if p.Payment != nil && st.Payment == nil {
			st.Payment = p.Payment
		}
	})
}

func (g *group) shipmentSettled(ctx goka.Context, msg any) {
	s, ok := decode[events.ShipmentSettled](g, ctx, msg)
	if !ok {
		return
	}
	g.update(ctx, msg, s.Order, order.Change{Status: s.Status, At: s.At, Reason: s.Reason}, func(st *events.OrderState) {
		if s.Payment != nil {
			p := *s.Payment
			// The payment stage refunds every order cancelled after payment.
			p.Refunded = s.RefundDue()
			st.Payment = &p
		}
		if s.Shipment != nil {
			st.Shipment = s.Shipment
		}
	})
}

func (g *group) customerNotified(ctx goka.Context, msg any) {
	n, ok := decode[events.CustomerNotified](g, ctx, msg)
	if !ok {
		return
	}
	st := g.state(ctx)
	if st.NotifiedAt == nil {
		g.countTold(st, n)
	}
	st.NotifiedAt = &n.At
	if told := order.Told(n.Status); told != n.Status {
		if err := st.Apply(order.Change{Status: told, At: n.At}); err != nil {
			g.gate.SetAside(ctx, msg.([]byte), err)
			return
		}
	}
	g.store(ctx, st)
}

// countTold counts an order whose customer was told of its end. The time
// from creation to the telling is observed only for an order already known:
// the report may come before the order itself, whose creation time is then
// still unknown.
func (g *group) countTold(st events.OrderState, n events.CustomerNotified) {
	g.cfg.Metrics.Event(string(topology.NotifiedOrders), string(n.Status))
	var created time.Time
	if st.Known() {
		created = st.Order.CreatedAt
	}
	g.cfg.Metrics.Told(string(order.Told(n.Status)), created, n.At)
}

// update records a stage's report, filling in the order if this is the first
// the group hears of it.
func (g *group) update(ctx goka.Context, msg any, o order.Order, c order.Change, details func(*events.OrderState)) {
	st := g.state(ctx)
	if !st.Known() {
		st.Order = o
	}
	before := st.History
	if err := st.Apply(c); err != nil {
		// Two stages disagreeing about an order is a bug; keep the report
		// for whoever investigates, and the first story in the table.
		g.gate.SetAside(ctx, msg.([]byte), err)
		return
	}
	if details != nil {
		details(&st)
	}
	if !slices.Equal(before, st.History) {
		g.cfg.Metrics.Event(string(ctx.Topic()), string(c.Status))
	}
	g.store(ctx, st)
}

// store writes the order's state to the table, with the headers the API's
// index reads instead of decoding the record.
func (g *group) store(ctx goka.Context, st events.OrderState) {
	ctx.SetValue(st, goka.WithCtxEmitHeaders(events.IndexHeaders(st.Order)))
}

// deadLetter counts a record some group set aside. It only reads headers:
// a dead letter is by definition something that does not decode.
func (g *group) deadLetter(ctx goka.Context, msg any) {
	h := ctx.Headers()
	reason := string(h[intake.HeaderReason])
	if reason == "" { // set aside before dead letters said why
		reason = intake.ReasonOther
	}
	g.cfg.Metrics.DeadLetter(string(h[intake.HeaderTopic]), string(h[intake.HeaderGroup]), reason)
}

func (g *group) state(ctx goka.Context) events.OrderState {
	return intake.Entry(ctx, events.OrderState{V: codecs.Version})
}

func decode[T codecs.Schema](g *group, ctx goka.Context, msg any) (T, bool) {
	return intake.Decode[T](g.gate, ctx, msg)
}
