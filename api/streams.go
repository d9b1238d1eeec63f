package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"orderflow/events"
)

// The event streams, GET /orders/{id}/events and GET /orders/events, push
// an order, or the caller's newest orders, to the tracking page instead of
// the page polling. A stream sends what it shows at once and again each time
// it changes: the view signals the change from its update callback
// (views.Orders.WatchOrder, WatchCustomer), and the stream reads the view
// again. Nothing polls, and an idle stream costs a goroutine and a
// connection. Every event carries the whole order (or page) as JSON, as
// GET /orders/{id} (or GET /orders) answers it.
//
// An order's stream ends after the order's terminal status; a reconnect
// that already has that state (Last-Event-ID) is answered 204, which tells
// an EventSource to stop reconnecting. Every stream ends after
// StreamConfig.Lifetime, and the browser reconnects: the token is checked
// again, so an expired one ends the stream.

// StreamConfig bounds the event streams; zero fields take the defaults.
type StreamConfig struct {
	// PerCustomer and Total bound the open streams (default 6 and 1000);
	// a stream over either is refused with 429.
	PerCustomer, Total int
	// Heartbeat is how often a quiet stream sends a comment (default 15 s),
	// so that proxies keep it open and a client that left is found.
	Heartbeat time.Duration
	// Lifetime is how long a stream lasts (default 5 min).
	Lifetime time.Duration
	// Retry is the reconnection delay a stream tells the client (default 2 s).
	Retry time.Duration
}

func (c StreamConfig) withDefaults() StreamConfig {
	if c.PerCustomer <= 0 {
		c.PerCustomer = 6
	}
	if c.Total <= 0 {
		c.Total = 1000
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.Lifetime <= 0 {
		c.Lifetime = 5 * time.Minute
	}
	if c.Retry <= 0 {
		c.Retry = 2 * time.Second
	}
	return c
}

// snapshot reads what a stream shows now, and whether it is the last thing
// the stream will show.
type snapshot func() (v any, final bool, err error)

func (s *server) streamOrder(w http.ResponseWriter, r *http.Request) error {
	// The same rules as GET /orders/{id}: someone else's order is not found.
	st, err := s.visibleOrder(r)
	if err != nil {
		return err
	}
	id := st.Order.ID
	release, err := s.streams.acquire(identity(r).CustomerID)
	if err != nil {
		return err
	}
	defer release()
	// Watching before serveStream reads the order again leaves no gap for a
	// change to fall in.
	changed, stop := s.Orders.WatchOrder(id)
	defer stop()
	return s.serveStream(w, r, changed, s.logger.With("order_id", id), func() (any, bool, error) {
		st, ok, err := s.Orders.Get(id)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, fmt.Errorf("order %s left the view", id)
		}
		return newOrderResponse(st), st.Status.Terminal(), nil
	})
}

// streamOrders streams the first page of the caller's own orders, as
// GET /orders answers it without customer_id; an administrator, too, sees
// their own here.
func (s *server) streamOrders(w http.ResponseWriter, r *http.Request) error {
	if !s.Orders.Ready() {
		return notReady()
	}
	limit, err := pageSize(r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	customer := identity(r).CustomerID
	release, err := s.streams.acquire(customer)
	if err != nil {
		return err
	}
	defer release()
	changed, stop := s.Orders.WatchCustomer(customer)
	defer stop()
	return s.serveStream(w, r, changed, s.logger.With("customer_id", customer), func() (any, bool, error) {
		page, next, err := s.Orders.ListByCustomer(customer, "", limit)
		if err != nil {
			return nil, false, err
		}
		return newListResponse(page, next), false, nil
	})
}

// serveStream sends read's snapshot now and after every change, until it is
// final, the client leaves or the stream's lifetime ends. Errors before the
// first event are answered like any other; after it the headers are gone,
// so a failed read is logged and ends the stream, and the client reconnects.
func (s *server) serveStream(w http.ResponseWriter, r *http.Request, changed <-chan struct{}, logger *slog.Logger, read snapshot) error {
	ev, final, err := readEvent(read)
	if err != nil {
		return err
	}
	last := r.Header.Get("Last-Event-ID")
	if final && ev.id == last {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.Streams.Lifetime)
	defer cancel()
	es, err := startEventStream(w, s.Streams.Retry)
	for err == nil {
		if ev.id != last {
			if err = es.send(ev); err != nil {
				break
			}
			last = ev.id
		}
		if final {
			return nil
		}
		if err = s.awaitChange(ctx, es, changed); err != nil {
			break
		}
		if ev, final, err = readEvent(read); err != nil {
			logger.Error("event stream ended: reading the view", "error", err)
			return nil
		}
	}
	// The client left, the stream's lifetime is up, or a write failed,
	// which is how a client that left without a word is found.
	logger.Debug("event stream ended", "reason", err)
	return nil
}

func readEvent(read snapshot) (event, bool, error) {
	v, final, err := read()
	if err != nil {
		return event{}, false, err
	}
	ev, err := newEvent(v)
	return ev, final, err
}

// awaitChange waits for a change and sends heartbeats meanwhile. It returns
// ctx's error when the client leaves or the stream's lifetime is up.
func (s *server) awaitChange(ctx context.Context, es *eventStream, changed <-chan struct{}) error {
	heartbeat := time.NewTicker(s.Streams.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
			return nil
		case <-heartbeat.C:
			if err := es.heartbeat(); err != nil {
				return err
			}
		}
	}
}

// newListResponse is a page of orders as GET /orders answers it.
func newListResponse(page []events.OrderState, next string) listResponse {
	out := listResponse{Orders: make([]orderResponse, 0, len(page)), NextCursor: next}
	for _, st := range page {
		out.Orders = append(out.Orders, newOrderResponse(st))
	}
	return out
}
