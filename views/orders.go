// Package views answers questions about orders from goka views of the group
// tables, never from a database: the orders table is the database.
package views

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/prometheus/client_golang/prometheus"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/topology"
)

// Orders reads the orders table. Besides lookups by order id it keeps an
// index of each customer's orders, written from the view's updates into the
// view's own storage (see index.go). With goka's LevelDB storage both live on
// local disk and survive a restart, so a restarted instance reads only the
// records it missed, and memory does not grow with the number of orders.
type Orders struct {
	cfg  Config
	view *goka.View
	// recovered latches the view's first recovery: goka's partitions pass
	// through "connecting" again when they move from recovery to following
	// the table, and the answers are no less current for that.
	recovered atomic.Bool
	// orderChanges and customerChanges wake the API's event streams, keyed
	// by order id and by customer id.
	orderChanges, customerChanges Changes
}

// Config is what the view needs besides goka's options.
type Config struct {
	Logger *slog.Logger
	// Skipped, when set, counts table records the view could not decode.
	Skipped prometheus.Counter
}

// NewOrders returns a view of the orders table. opts come from kafka.Goka
// (or the tester), storage included.
func NewOrders(brokers []string, cfg Config, opts ...goka.ViewOption) (*Orders, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	o := &Orders{cfg: cfg}
	opts = append(opts, goka.WithViewCallback(o.update))
	v, err := goka.NewView(brokers, topology.OrdersTable, codecs.JSON[events.OrderState]{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating orders view: %w", err)
	}
	o.view = v
	return o, nil
}

// Run keeps the view up to date until ctx ends.
func (o *Orders) Run(ctx context.Context) error {
	return o.view.Run(ctx)
}

// Ready reports whether the view has caught up with the table since it
// started, so that its answers are current.
func (o *Orders) Ready() bool {
	if o.recovered.Load() {
		return true
	}
	if o.view.Recovered() {
		o.recovered.Store(true)
		return true
	}
	return false
}

// Get returns an order's state; ok is false for an order the view does not
// know (yet).
func (o *Orders) Get(id string) (st events.OrderState, ok bool, err error) {
	v, err := o.view.Get(id)
	if err != nil {
		return st, false, fmt.Errorf("reading order %s: %w", id, err)
	}
	st, ok = v.(events.OrderState)
	if !ok || !st.Known() {
		return events.OrderState{}, false, nil
	}
	return st, true, nil
}

// update stores a table record and indexes it by customer. It runs for every
// record the view reads, while recovering and after. The orders group puts
// the customer and creation time in the record's headers; a record without
// them (older, or written by another client) is decoded instead. The key is
// the order id in both cases.
func (o *Orders) update(ctx goka.UpdateContext, s storage.Storage, key string, value []byte) error {
	if err := goka.DefaultUpdate(ctx, s, key, value); err != nil {
		return err
	}
	o.orderChanges.Notify(key)
	if value == nil {
		return nil
	}
	customer, created, ok := events.FromIndexHeaders(ctx.Headers())
	if !ok {
		st, err := codecs.Decode[indexed](value)
		if err != nil {
			// The table is ours and should decode; one that does not is
			// left out of the index, Get reports it, and a person should
			// know.
			o.cfg.Logger.Error("orders table record skipped", "order_id", key, "error", err)
			if o.cfg.Skipped != nil {
				o.cfg.Skipped.Inc()
			}
			return nil
		}
		if st.Order.CustomerID == "" {
			return nil // a later stage's report came before the order; not known yet
		}
		customer, created = st.Order.CustomerID, st.Order.CreatedAt
	}
	if err := index(s, customer, key, created, o.Ready()); err != nil {
		return err
	}
	// After the index, which a customer's stream lists from.
	o.customerChanges.Notify(customer)
	return nil
}

// WatchOrder returns a channel that receives a signal after the order's
// record changes, and a function that ends the watch; it must be called.
// The signal comes after the view stores the record, so Get then reads it.
func (o *Orders) WatchOrder(id string) (changed <-chan struct{}, stop func()) {
	return o.orderChanges.Watch(id)
}

// WatchCustomer is WatchOrder for every order of a customer, new ones
// included.
func (o *Orders) WatchCustomer(customerID string) (changed <-chan struct{}, stop func()) {
	return o.customerChanges.Watch(customerID)
}

// indexed is the part of an orders table record the index needs: decoding
// only it costs a fraction of the whole order, and a new instance decodes
// every record of the table.
type indexed struct {
	V     int `json:"v"`
	Order struct {
		ID         string    `json:"id"`
		CustomerID string    `json:"customer_id"`
		CreatedAt  time.Time `json:"created_at"`
	} `json:"order"`
}

// Validate implements codecs.Schema.
func (r indexed) Validate() error { return codecs.CheckVersion(r.V) }

// index writes an order's index keys (check is o.Ready(), which latches
// once the view has caught up). Writing them again changes nothing:
// the customer and creation time of an order never change. Once the view
// has caught up (check), it writes them only for an order not indexed yet,
// since each of an order's later updates would write the same keys again.
// The customer's key is written last, so when it is there the other is
// too, even after a crash between the two; one lookup then says whether
// the order is indexed. While the view catches up it writes without the
// lookup: a lookup costs more than a write in an LSM tree, a new instance
// would make one for each of the orders it reads, and most of those are
// read once (the table topic is compacted).
func index(s storage.Storage, customer, id string, created time.Time, check bool) error {
	customerKey, allKey := indexKeys(customer, id, created)
	if check {
		done, err := s.Has(customerKey)
		if err != nil {
			return fmt.Errorf("indexing order %s: %w", id, err)
		}
		if done {
			return nil
		}
	}
	for _, k := range []string{allKey, customerKey} {
		if err := s.Set(k, []byte{}); err != nil {
			return fmt.Errorf("indexing order %s: %w", id, err)
		}
	}
	return nil
}

// ListByCustomer returns up to limit of a customer's orders, newest first,
// starting after the cursor (empty for the first page), and the cursor of the
// next page ("" when there is none).
func (o *Orders) ListByCustomer(customerID string, cursor string, limit int) ([]events.OrderState, string, error) {
	prefix := listPrefix(customerID)
	keys, err := o.page(prefix, cursor, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(keys) > limit {
		keys = keys[:limit]
		next = encodeCursor(prefix, keys[len(keys)-1])
	}
	out := make([]events.OrderState, 0, len(keys))
	for _, k := range keys {
		st, ok, err := o.Get(orderID(k))
		if err != nil {
			return nil, "", err
		}
		if ok {
			out = append(out, st)
		}
	}
	return out, next, nil
}

// ListAll returns up to limit orders of every customer, for administrators.
func (o *Orders) ListAll(cursor string, limit int) ([]events.OrderState, string, error) {
	return o.ListByCustomer(allCustomers, cursor, limit)
}

// page returns up to n index keys of prefix after cursor.
func (o *Orders) page(prefix, cursor string, n int) ([]string, error) {
	start, limit, err := pageRange(prefix, cursor)
	if err != nil {
		return nil, err
	}
	it, err := o.view.IteratorWithRange(start, limit)
	if err != nil {
		return nil, fmt.Errorf("listing orders: %w", err)
	}
	defer it.Release()
	var keys []string
	for len(keys) < n && it.Next() {
		keys = append(keys, it.Key())
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("listing orders: %w", err)
	}
	return keys, nil
}
