// Package payment is the payment stage: it reads orders from new_orders,
// charges them through a Gateway and writes the outcome to payed_orders. It
// also hears cancellations, so that an order cancelled before it is charged
// never is, and refunds orders that shipping cancelled after payment.
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

// The names this stage owns.
var (
	Group = topology.PaymentGroup
	Table = topology.PaymentTable
)

// Gateway charges and refunds; gateway.Simulated is the built-in one.
type Gateway interface {
	Charge(ctx context.Context, req gateway.ChargeRequest) (gateway.Charge, error)
	Refund(ctx context.Context, req gateway.RefundRequest) error
}

// Config is what the stage needs.
type Config struct {
	Gateway        Gateway
	Logger         *slog.Logger
	Retry          retry.Policy // for gateway outages
	MaxRecordBytes int
	Now            func() time.Time
}

// Entry is the stage's state for one order in the payment table.
type Entry struct {
	V               int  `json:"v"`
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Settled is the record written to payed_orders. It is written again,
	// unchanged, when an input is replayed after a crash, so that nothing
	// waits downstream for a record that was lost between the table write
	// and the emit.
	Settled  *events.PaymentSettled `json:"settled,omitempty"`
	Refunded bool                   `json:"refunded,omitempty"`
}

// Validate implements codecs.Schema.
func (r Entry) Validate() error { return codecs.CheckVersion(r.V) }

// Define returns the stage's group graph; production and tests share it.
func Define(cfg Config) *goka.GroupGraph {
	s := &stage{cfg: cfg}
	return goka.DefineGroup(Group,
		goka.Input(topology.NewOrders, codecs.Raw{}, s.placed),
		goka.Input(topology.OrderCancellations, codecs.Raw{}, s.cancelRequested),
		goka.Input(topology.SentOrders, codecs.Raw{}, s.shipmentSettled),
		goka.Output(topology.PayedOrders, codecs.JSON[events.PaymentSettled]{}),
		intake.Edge(),
		goka.Persist(codecs.JSON[Entry]{}),
	)
}

// New returns the stage's processor. Empty records reach the callbacks,
// which set them aside as dead letters instead of goka dropping them.
func New(brokers []string, cfg Config, opts ...goka.ProcessorOption) (*goka.Processor, error) {
	opts = append(opts, goka.WithNilHandling(goka.NilProcess))
	return goka.NewProcessor(brokers, Define(cfg), opts...)
}

type stage struct {
	cfg Config
}

func (s *stage) entry(ctx goka.Context) Entry {
	if r, ok := ctx.Value().(Entry); ok {
		return r
	}
	return Entry{V: codecs.Version}
}

func (s *stage) log(ctx goka.Context) *slog.Logger {
	return s.cfg.Logger.With("order_id", ctx.Key(), "stage", string(Group))
}
