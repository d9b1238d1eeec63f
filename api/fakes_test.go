package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"orderflow/events"
	"orderflow/views"
)

// fakeOrders is an in-memory OrderReader. Like views.Orders it lists orders
// newest first, refuses a cursor it did not hand out, and signals the
// watchers of an order and of its customer after storing it, with the
// view's own Changes.
type fakeOrders struct {
	orderChanges, customerChanges views.Changes

	mu         sync.Mutex
	ready      bool
	panicOnGet bool
	listErr    error // every list fails with it, like a broken index
	states     map[string]events.OrderState
	lists      []listCall
}

// listCall is one List call; customer is "" for ListAll.
type listCall struct {
	customer, cursor string
	limit            int
}

func newFakeOrders() *fakeOrders {
	return &fakeOrders{ready: true, states: map[string]events.OrderState{}}
}

func (f *fakeOrders) put(states ...events.OrderState) {
	f.mu.Lock()
	for _, st := range states {
		f.states[st.Order.ID] = st
	}
	f.mu.Unlock()
	for _, st := range states {
		f.orderChanges.Notify(st.Order.ID)
		f.customerChanges.Notify(st.Order.CustomerID)
	}
}

func (f *fakeOrders) WatchOrder(id string) (<-chan struct{}, func()) {
	return f.orderChanges.Watch(id)
}

func (f *fakeOrders) WatchCustomer(customerID string) (<-chan struct{}, func()) {
	return f.customerChanges.Watch(customerID)
}

// watched returns how many orders and customers are watched.
func (f *fakeOrders) watched() (orders, customers int) {
	return f.orderChanges.Len(), f.customerChanges.Len()
}

func (f *fakeOrders) setReady(ready bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ready = ready
}

func (f *fakeOrders) listCalls() []listCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.lists)
}

func (f *fakeOrders) Ready() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ready
}

func (f *fakeOrders) Get(id string) (events.OrderState, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panicOnGet {
		panic("view exploded")
	}
	st, ok := f.states[id]
	return st, ok, nil
}

func (f *fakeOrders) ListByCustomer(customerID, cursor string, limit int) ([]events.OrderState, string, error) {
	return f.list(listCall{customer: customerID, cursor: cursor, limit: limit})
}

func (f *fakeOrders) ListAll(cursor string, limit int) ([]events.OrderState, string, error) {
	return f.list(listCall{cursor: cursor, limit: limit})
}

// list pages like the real index; its cursor is the id of the last order
// handed out, prefixed so that it is not mistaken for one.
func (f *fakeOrders) list(c listCall) ([]events.OrderState, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, c)
	if f.listErr != nil {
		return nil, "", f.listErr
	}
	var all []events.OrderState
	for _, st := range f.states {
		if c.customer == "" || st.Order.CustomerID == c.customer {
			all = append(all, st)
		}
	}
	slices.SortFunc(all, func(a, b events.OrderState) int {
		if n := b.Order.CreatedAt.Compare(a.Order.CreatedAt); n != 0 {
			return n
		}
		return strings.Compare(b.Order.ID, a.Order.ID)
	})
	start := 0
	if c.cursor != "" {
		i := slices.IndexFunc(all, func(st events.OrderState) bool { return "after:"+st.Order.ID == c.cursor })
		if i < 0 {
			return nil, "", fmt.Errorf("%w: %q", views.ErrBadCursor, c.cursor)
		}
		start = i + 1
	}
	end := min(start+c.limit, len(all))
	next := ""
	if end < len(all) {
		next = "after:" + all[end-1].Order.ID
	}
	return all[start:end], next, nil
}

// fakeWriter records what the API writes to Kafka, or fails like a broker
// that is down. Like the real codecs it holds every record to its schema.
type fakeWriter struct {
	t       testing.TB
	mu      sync.Mutex
	err     error
	placed  []events.OrderPlaced
	cancels []events.CancelRequested
	// onPlace and onCancel, when set, see each record written, as the
	// stages would (fakePipeline).
	onPlace  func(events.OrderPlaced)
	onCancel func(events.CancelRequested)
}

func (w *fakeWriter) failWith(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
}

func (w *fakeWriter) PlaceOrder(_ context.Context, p events.OrderPlaced) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if err := p.Validate(); err != nil {
		w.t.Errorf("the API placed an order the codec would refuse: %v", err)
	}
	w.placed = append(w.placed, p)
	if w.onPlace != nil {
		w.onPlace(p)
	}
	return nil
}

func (w *fakeWriter) RequestCancel(_ context.Context, c events.CancelRequested) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if err := c.Validate(); err != nil {
		w.t.Errorf("the API requested a cancel the codec would refuse: %v", err)
	}
	w.cancels = append(w.cancels, c)
	if w.onCancel != nil {
		w.onCancel(c)
	}
	return nil
}

func (w *fakeWriter) placedOrders() []events.OrderPlaced {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.placed)
}

func (w *fakeWriter) cancelRequests() []events.CancelRequested {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.cancels)
}

// syncBuffer collects log lines from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
