package api

import (
	"sync"
	"testing"
	"time"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
)

// The cards of the fake pipeline: those of the simulated gateway, and one
// of its own for an order that waits to be cancelled.
const (
	cardApproved    = "tok_visa"
	cardDeclined    = "tok_decline"
	cardUnavailable = "tok_unavailable"
	// cardHold waits at created until it is cancelled: the fake's stand-in
	// for a slow gateway, so that a slow browser still gets to cancel it.
	cardHold = "tok_hold"
)

// fakePipeline stands in for the stages in the browser test: it moves each
// order the API places along as the stages would, one status per step, into
// fakeOrders, which signals the streams.
type fakePipeline struct {
	orders *fakeOrders
	step   time.Duration

	mu      sync.Mutex
	cards   map[string]string // order id -> card
	timers  []*time.Timer
	stopped bool
}

// newFakePipeline feeds f's orders from what f's writer is asked to write.
func newFakePipeline(t *testing.T, f *fixture, step time.Duration) *fakePipeline {
	p := &fakePipeline{orders: f.orders, step: step, cards: map[string]string{}}
	f.writer.onPlace, f.writer.onCancel = p.placed, p.cancelRequested
	t.Cleanup(p.stop)
	return p
}

func (p *fakePipeline) placed(e events.OrderPlaced) {
	o := e.Order
	st := events.OrderState{V: codecs.Version, State: order.State{Order: o}}
	_ = st.Apply(order.Change{Status: order.Created, At: o.CreatedAt})
	p.orders.put(st)
	p.mu.Lock()
	p.cards[o.ID] = e.PaymentToken
	p.mu.Unlock()
	switch e.PaymentToken {
	case cardHold:
	case cardDeclined:
		p.after(1, o.ID, p.fail("card declined"))
	case cardUnavailable:
		// Like the payment stage: once a charge was tried, a cancel no
		// longer stops it, and the retries run out.
		p.after(4, o.ID, p.fail("the payment provider did not answer"))
	default:
		p.after(1, o.ID, p.pay)
		p.after(2, o.ID, p.ship)
		p.after(3, o.ID, p.notify)
	}
}

// cancelRequested records the request, and cancels the order soon after
// unless its payment is being retried.
func (p *fakePipeline) cancelRequested(c events.CancelRequested) {
	p.update(c.OrderID, func(st *events.OrderState) bool {
		if st.CancelRequestedAt == nil {
			st.CancelRequestedAt = &c.At
		}
		return true
	})
	p.mu.Lock()
	card := p.cards[c.OrderID]
	p.mu.Unlock()
	if card != cardUnavailable {
		p.afterDelay(p.step/4, c.OrderID, p.cancel)
	}
}

func (p *fakePipeline) pay(st *events.OrderState) bool {
	st.Payment = &order.Payment{ChargeID: "ch_" + st.Order.ID, AmountCents: st.Order.TotalCents, Currency: st.Order.Currency}
	return p.apply(st, order.Paid, "")
}

func (p *fakePipeline) ship(st *events.OrderState) bool {
	st.Shipment = &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP" + st.Order.ID}
	return p.apply(st, order.Shipped, "")
}

func (p *fakePipeline) notify(st *events.OrderState) bool {
	now := time.Now().UTC()
	st.NotifiedAt = &now
	return p.apply(st, order.Notified, "")
}

func (p *fakePipeline) fail(reason string) func(*events.OrderState) bool {
	return func(st *events.OrderState) bool { return p.apply(st, order.PaymentFailed, reason) }
}

func (p *fakePipeline) cancel(st *events.OrderState) bool {
	if !st.Status.Cancellable() {
		return false
	}
	if st.Payment != nil {
		st.Payment.Refunded = true
	}
	return p.apply(st, order.Cancelled, "cancelled by the customer")
}

// apply moves an order on, unless it has already ended.
func (p *fakePipeline) apply(st *events.OrderState, status order.Status, reason string) bool {
	if st.Status.Terminal() {
		return false
	}
	return st.Apply(order.Change{Status: status, At: time.Now().UTC(), Reason: reason}) == nil
}

// after runs change on the order n steps from now.
func (p *fakePipeline) after(n int, id string, change func(*events.OrderState) bool) {
	p.afterDelay(time.Duration(n)*p.step, id, change)
}

func (p *fakePipeline) afterDelay(d time.Duration, id string, change func(*events.OrderState) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.timers = append(p.timers, time.AfterFunc(d, func() { p.update(id, change) }))
}

// update changes a copy of the stored order and stores it if change says
// it changed, as the orders group writes its table.
func (p *fakePipeline) update(id string, change func(*events.OrderState) bool) {
	st, ok, _ := p.orders.Get(id)
	if !ok {
		return
	}
	st.History = append([]order.Change(nil), st.History...)
	if st.Payment != nil {
		pay := *st.Payment
		st.Payment = &pay
	}
	if change(&st) {
		p.orders.put(st)
	}
}

func (p *fakePipeline) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for _, t := range p.timers {
		t.Stop()
	}
}
