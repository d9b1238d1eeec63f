// Package shipping is the shipping stage: it reads payment outcomes from
// payed_orders, packs and ships paid orders and writes every order's outcome
// to sent_orders. It decides late cancellations: an order may be cancelled
// until its parcel has left.
package shipping

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/order"
	"orderflow/topology"
)

// The names this stage owns.
var (
	Group = topology.ShippingGroup
	Table = topology.ShippingTable
)

// Config is what the stage needs.
type Config struct {
	Logger         *slog.Logger
	MaxRecordBytes int
	Now            func() time.Time
}

// Entry is the stage's state for one order in the shipping table.
type Entry struct {
	V               int  `json:"v"`
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Settled is the record written to sent_orders, written again unchanged
	// when an input is replayed.
	Settled *events.ShipmentSettled `json:"settled,omitempty"`
}

// Validate implements codecs.Schema.
func (r Entry) Validate() error { return codecs.CheckVersion(r.V) }

// Define returns the stage's group graph; production and tests share it.
func Define(cfg Config) *goka.GroupGraph {
	s := &stage{cfg: cfg}
	return goka.DefineGroup(Group,
		goka.Input(topology.PayedOrders, codecs.Raw{}, s.paymentSettled),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, s.cancelRequested),
		goka.Output(topology.SentOrders, codecs.JSON[events.ShipmentSettled]{}),
		intake.Edge(),
		goka.Persist(codecs.JSON[Entry]{}),
	)
}

// New returns the stage's processor.
func New(brokers []string, cfg Config, opts ...goka.ProcessorOption) (*goka.Processor, error) {
	opts = append(opts, goka.WithNilHandling(goka.NilProcess))
	return goka.NewProcessor(brokers, Define(cfg), opts...)
}

type stage struct {
	cfg Config
}

// paymentSettled ships a paid order, cancels it if the customer asked in
// time, and passes every other outcome on; a replay re-emits the first
// outcome and ships nothing.
func (s *stage) paymentSettled(ctx goka.Context, msg any) {
	log := s.cfg.Logger.With("order_id", ctx.Key(), "stage", string(Group))
	p, ok := intake.Decode[events.PaymentSettled](ctx, msg, s.cfg.MaxRecordBytes, log)
	if !ok {
		return
	}
	rec, _ := ctx.Value().(Entry)
	if rec.Settled != nil {
		log.Info("order already settled; re-emitting outcome", "status", rec.Settled.Status)
		// Write the record again as well: after a crash the local table may
		// hold a value whose write to the table topic never completed.
		ctx.SetValue(rec)
		ctx.Emit(topology.SentOrders, ctx.Key(), *rec.Settled)
		return
	}
	out := events.ShipmentSettled{V: codecs.Version, Order: p.Order, Status: p.Status, Payment: p.Payment, Reason: p.Reason, At: s.cfg.Now().UTC()}
	if p.Status == order.Paid {
		if rec.CancelRequested {
			out.Status, out.Reason = order.Cancelled, "cancelled by the customer before shipping; the payment will be refunded"
		} else {
			out.Status, out.Shipment, out.Reason = order.Shipped, ship(p.Order), ""
		}
	}
	rec.V, rec.Settled = codecs.Version, &out
	ctx.SetValue(rec)
	ctx.Emit(topology.SentOrders, ctx.Key(), out)
	log.Info("shipping settled", "status", out.Status, "reason", out.Reason)
}

// cancelRequested records a cancellation that arrived before the order was
// settled here; after shipping it is refused.
func (s *stage) cancelRequested(ctx goka.Context, msg any) {
	log := s.cfg.Logger.With("order_id", ctx.Key(), "stage", string(Group))
	if _, ok := intake.Decode[events.CancelRequested](ctx, msg, s.cfg.MaxRecordBytes, log); !ok {
		return
	}
	rec, _ := ctx.Value().(Entry)
	if rec.Settled != nil {
		log.Info("cancel request refused: order already settled", "status", rec.Settled.Status)
		return
	}
	if rec.CancelRequested {
		return
	}
	rec.V, rec.CancelRequested = codecs.Version, true
	ctx.SetValue(rec)
	log.Info("cancel request recorded before shipping")
}

// ship packs and hands an order to the (simulated) carrier. The tracking
// number is derived from the order id, so shipping the same order again
// names the same parcel.
func ship(o order.Order) *order.Shipment {
	sum := sha256.Sum256([]byte(o.ID))
	return &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP" + strings.ToUpper(hex.EncodeToString(sum[:6]))}
}
