// Package notifications is the last stage: it reads every order's outcome
// from sent_orders, tells the customer through a Notifier (NATS JetStream in
// production) and records that on notified_orders.
package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/notify"
	"orderflow/order"
	"orderflow/retry"
	"orderflow/topology"
)

// The names this stage owns.
var (
	Group = topology.NotificationsGroup
	Table = topology.NotificationsTable
)

// Notifier delivers a message to a customer. Delivering the same order's
// message twice must reach the customer once (notify.Publisher does this
// with JetStream message ids).
type Notifier interface {
	Notify(ctx context.Context, m notify.Message) error
}

// Config is what the stage needs.
type Config struct {
	Notifier       Notifier
	Logger         *slog.Logger
	Retry          retry.Policy // while NATS is unavailable; Attempts 0 waits for ever
	MaxRecordBytes int
	Now            func() time.Time
}

// Entry is the stage's state for one order in the notifications table.
type Entry struct {
	V int `json:"v"`
	// Notified is the record written to notified_orders, written again
	// unchanged when an input is replayed; the customer is not told twice.
	Notified *events.CustomerNotified `json:"notified,omitempty"`
}

// Validate implements codecs.Schema.
func (r Entry) Validate() error { return codecs.CheckVersion(r.V) }

// Define returns the stage's group graph; production and tests share it.
func Define(cfg Config) *goka.GroupGraph {
	s := &stage{cfg: cfg}
	return goka.DefineGroup(Group,
		goka.Input(topology.SentOrders, codecs.Raw{}, s.shipmentSettled),
		goka.Output(topology.NotifiedOrders, codecs.JSON[events.CustomerNotified]{}),
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

func (s *stage) shipmentSettled(ctx goka.Context, msg any) {
	log := s.cfg.Logger.With("order_id", ctx.Key(), "stage", string(Group))
	sh, ok := intake.Decode[events.ShipmentSettled](ctx, msg, s.cfg.MaxRecordBytes, log)
	if !ok {
		return
	}
	rec, _ := ctx.Value().(Entry)
	if rec.Notified != nil {
		log.Info("customer already notified; re-emitting", "status", rec.Notified.Status)
		// Write the record again as well: after a crash the local table may
		// hold a value whose write to the table topic never completed.
		ctx.SetValue(rec)
		ctx.Emit(topology.NotifiedOrders, ctx.Key(), *rec.Notified)
		return
	}
	m := message(sh, s.cfg.Now().UTC())
	err := retry.Do(ctx.Context(), s.cfg.Retry, func(c context.Context) error {
		return s.cfg.Notifier.Notify(c, m)
	}, func(attempt int, wait time.Duration, err error) {
		log.Warn("notification not delivered; retrying", "attempt", attempt, "wait", wait, "error", err)
	})
	if err != nil {
		// Only a stopping processor ends the retries. Recording the
		// notification now would lose it: leave the record uncommitted for
		// the next owner.
		intake.Abandon(ctx, fmt.Errorf("notifying customer: %w", err))
		return
	}
	n := events.CustomerNotified{V: codecs.Version, OrderID: sh.Order.ID, CustomerID: sh.Order.CustomerID, Status: sh.Status, Subject: notify.Subject(sh.Order.CustomerID), At: m.At}
	rec.V, rec.Notified = codecs.Version, &n
	ctx.SetValue(rec)
	ctx.Emit(topology.NotifiedOrders, ctx.Key(), n)
	log.Info("customer notified", "status", sh.Status, "subject", n.Subject)
}

// message is what the customer reads about an order's outcome.
func message(sh events.ShipmentSettled, at time.Time) notify.Message {
	m := notify.Message{OrderID: sh.Order.ID, CustomerID: sh.Order.CustomerID, Status: sh.Status, At: at}
	switch sh.Status {
	case order.Shipped:
		m.TrackingNumber = sh.Shipment.TrackingNumber
		m.Text = fmt.Sprintf("Your order %s is on its way with %s, tracking number %s.", sh.Order.ID, sh.Shipment.Carrier, sh.Shipment.TrackingNumber)
	case order.PaymentFailed:
		m.Text = fmt.Sprintf("We could not take payment for your order %s: %s.", sh.Order.ID, sh.Reason)
	case order.Cancelled:
		m.Text = fmt.Sprintf("Your order %s is cancelled.", sh.Order.ID)
		if sh.RefundDue() {
			m.Text += " Your payment will be refunded."
		}
	}
	return m
}
