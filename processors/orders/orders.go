// Package orders is the orders group: it follows every topic of the pipeline
// and keeps, per order, the order with its status and history in the orders
// table. The API reads that table through a view, so answering "where is my
// order?" never touches a stage.
//
// Stages report on different topics, which goka reads concurrently, so
// reports may arrive in any order; order.State.Apply sorts them into the
// order's life.
package orders

import (
	"log/slog"
	"slices"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/metrics"
	"orderflow/order"
	"orderflow/topology"
)

// The names this group owns.
var (
	Group = topology.OrdersGroup
	Table = topology.OrdersTable
)

// Config is what the group needs.
type Config struct {
	Logger         *slog.Logger
	MaxRecordBytes int
	// Metrics, when set, counts every report, outcome and dead letter: this
	// group sees them all.
	Metrics *metrics.Pipeline
}

// Define returns the group graph; production and tests share it.
func Define(cfg Config) *goka.GroupGraph {
	g := &group{cfg: cfg}
	return goka.DefineGroup(Group,
		goka.Input(topology.NewOrders, codecs.Raw{}, g.placed),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, g.cancelRequested),
		goka.Input(topology.PayedOrders, codecs.Raw{}, g.paymentSettled),
		goka.Input(topology.SentOrders, codecs.Raw{}, g.shipmentSettled),
		goka.Input(topology.NotifiedOrders, codecs.Raw{}, g.customerNotified),
		goka.Input(topology.DeadLetters, codecs.Raw{}, g.deadLetter),
		intake.Edge(),
		goka.Persist(codecs.JSON[events.OrderState]{}),
	)
}

// New returns the group's processor.
func New(brokers []string, cfg Config, opts ...goka.ProcessorOption) (*goka.Processor, error) {
	opts = append(opts, goka.WithNilHandling(goka.NilProcess))
	return goka.NewProcessor(brokers, Define(cfg), opts...)
}

type group struct {
	cfg Config
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
		ctx.SetValue(st)
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
		terminal := n.Status
		if terminal == order.Shipped {
			terminal = order.Notified
		}
		g.cfg.Metrics.Event(string(topology.NotifiedOrders), string(n.Status))
		g.cfg.Metrics.Notified(string(terminal), st.Order.CreatedAt, n.At)
	}
	st.NotifiedAt = &n.At
	if n.Status == order.Shipped {
		if err := st.Apply(order.Change{Status: order.Notified, At: n.At}); err != nil {
			intake.Put(ctx, msg, err, g.log(ctx))
			return
		}
	}
	ctx.SetValue(st)
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
		intake.Put(ctx, msg, err, g.log(ctx))
		return
	}
	if details != nil {
		details(&st)
	}
	if !slices.Equal(before, st.History) {
		g.cfg.Metrics.Event(string(ctx.Topic()), string(c.Status))
	}
	ctx.SetValue(st)
}

// deadLetter counts a record some group set aside. It only reads headers:
// a dead letter is by definition something that does not decode.
func (g *group) deadLetter(ctx goka.Context, msg any) {
	h := ctx.Headers()
	g.cfg.Metrics.DeadLetter(string(h[intake.HeaderTopic]), string(h[intake.HeaderGroup]))
}

func (g *group) state(ctx goka.Context) events.OrderState {
	if st, ok := ctx.Value().(events.OrderState); ok {
		return st
	}
	return events.OrderState{V: codecs.Version}
}

func (g *group) log(ctx goka.Context) *slog.Logger {
	return g.cfg.Logger.With("order_id", ctx.Key(), "stage", string(Group))
}

func decode[T codecs.Schema](g *group, ctx goka.Context, msg any) (T, bool) {
	return intake.Decode[T](ctx, msg, g.cfg.MaxRecordBytes, g.log(ctx))
}
