package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/events"
	"orderflow/order"
	"orderflow/problem"
)

// streamServer serves the fixture over real HTTP, which a stream needs to be
// read while it is open.
func streamServer(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	return srv
}

// advance moves st to status, as the orders group records a stage's report.
func advance(t *testing.T, st events.OrderState, status order.Status) events.OrderState {
	t.Helper()
	st.History = append([]order.Change(nil), st.History...)
	require.NoError(t, st.Apply(order.Change{Status: status, At: st.History[len(st.History)-1].At.Add(time.Minute)}))
	return st
}

func TestAnOrderStream(t *testing.T) {
	t.Run("sends the order at once, again after each change, and ends after its terminal status", func(t *testing.T) {
		f := newFixture(t)
		st := stateOf(t, "ord_1", alice, order.Created, testNow())
		f.orders.put(st)
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice), nil)
		require.Equal(t, http.StatusOK, s.res.StatusCode)
		require.Equal(t, "text/event-stream", s.res.Header.Get("Content-Type"))
		require.Equal(t, "no-store", s.res.Header.Get("Cache-Control"))

		first := s.next(t)
		require.Equal(t, eventOf(t, newOrderResponse(st)).id, first.id, "the id names the state")
		require.Equal(t, order.Created, decodeOrderData(t, first.data).Status)
		for _, status := range []order.Status{order.Paid, order.Shipped, order.Notified} {
			st = advance(t, st, status)
			f.orders.put(st)
			got := s.nextOrder(t)
			require.Equal(t, status, got.Status)
			require.Len(t, got.History, len(st.History))
		}
		s.end(t)
	})

	t.Run("sends a state once, however often the view signals it", func(t *testing.T) {
		f := newFixture(t)
		st := stateOf(t, "ord_1", alice, order.Created, testNow())
		f.orders.put(st)
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice), nil)
		s.next(t)

		f.orders.put(st, st, st) // a stage's report seen again changes nothing
		st = advance(t, st, order.Cancelled)
		f.orders.put(st)
		require.Equal(t, order.Cancelled, s.nextOrder(t).Status)
		s.end(t)
	})

	t.Run("resumes after Last-Event-ID without sending that state again", func(t *testing.T) {
		f := newFixture(t)
		st := stateOf(t, "ord_1", alice, order.Paid, testNow())
		f.orders.put(st)
		last := eventOf(t, newOrderResponse(st)).id
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice), http.Header{"Last-Event-ID": {last}})
		require.Equal(t, http.StatusOK, s.res.StatusCode)

		st = advance(t, st, order.Shipped)
		f.orders.put(st)
		require.Equal(t, order.Shipped, s.nextOrder(t).Status, "the first event is the change, not the state the client had")
	})

	t.Run("answers 204 to a client that already has the terminal state, so that EventSource stops", func(t *testing.T) {
		f := newFixture(t)
		st := stateOf(t, "ord_1", alice, order.PaymentFailed, testNow())
		f.orders.put(st)
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice),
			http.Header{"Last-Event-ID": {eventOf(t, newOrderResponse(st)).id}})
		require.Equal(t, http.StatusNoContent, s.res.StatusCode)
	})

	t.Run("tells the client how soon to reconnect and sends heartbeats while quiet", func(t *testing.T) {
		f := newFixture(t, func(c *Config) {
			c.Streams.Heartbeat = 20 * time.Millisecond
			c.Streams.Retry = 1500 * time.Millisecond
		})
		f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice), nil)

		require.Equal(t, sseFrame{retry: "1500"}, <-s.frames)
		require.NotEmpty(t, (<-s.frames).data)
		require.Equal(t, sseFrame{comment: true}, <-s.frames)
	})

	t.Run("ends after its lifetime, for the client to reconnect with its token checked again", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.Streams.Lifetime = 100 * time.Millisecond })
		f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice), nil)
		s.next(t)
		s.end(t)
	})

	t.Run("leaves no watch behind when it ends", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.Streams.Lifetime = 50 * time.Millisecond })
		f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))
		s := openStream(t, streamServer(t, f), "/orders/ord_1/events", tokenFor(t, alice), nil)
		s.next(t)
		s.end(t)
		require.Eventually(t, func() bool { o, c := f.orders.watched(); return o == 0 && c == 0 }, 5*time.Second, 5*time.Millisecond)
	})
}

func TestAnOrderStreamIsAuthorizedLikeGetOrder(t *testing.T) {
	t.Run("someone else's order is not found, exactly like a missing one", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_bob", bob, order.Created, testNow()))
		srv := streamServer(t, f)

		theirs := openStream(t, srv, "/orders/ord_bob/events", tokenFor(t, alice), nil)
		missing := openStream(t, srv, "/orders/ord_none/events", tokenFor(t, alice), nil)

		require.Equal(t, http.StatusNotFound, theirs.res.StatusCode)
		require.Equal(t, http.StatusNotFound, missing.res.StatusCode)
		require.Equal(t, problemOf(t, missing.res), problemOf(t, theirs.res))
	})

	t.Run("an administrator may follow anyone's order", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_bob", bob, order.Notified, testNow()))
		s := openStream(t, streamServer(t, f), "/orders/ord_bob/events", tokenFor(t, admin, "admin"), nil)
		require.Equal(t, order.Notified, s.nextOrder(t).Status)
	})
}

func TestTheTokenInTheQuery(t *testing.T) {
	f := newFixture(t)
	f.orders.put(stateOf(t, "ord_1", alice, order.Notified, testNow()))
	srv := streamServer(t, f)
	token := tokenFor(t, alice)

	t.Run("is accepted on the event streams", func(t *testing.T) {
		for _, target := range []string{"/orders/ord_1/events", "/orders/events"} {
			s := openStream(t, srv, target, token, nil)
			require.Equal(t, http.StatusOK, s.res.StatusCode, target)
		}
	})

	t.Run("is ignored everywhere else, where only the header counts", func(t *testing.T) {
		for _, target := range []string{"/orders/ord_1", "/orders"} {
			rec := f.serve(request(http.MethodGet, target+"?access_token="+token, "", ""))
			require.Equal(t, http.StatusUnauthorized, rec.Code, target)
			require.Equal(t, "missing bearer token", decodeProblem(t, rec).Detail)
		}
	})

	t.Run("is checked like the header: an expired one is refused", func(t *testing.T) {
		expired := mint(t, testSecret, alice, testNow().Add(-2*time.Hour))
		s := openStream(t, srv, "/orders/ord_1/events", expired, nil)
		require.Equal(t, http.StatusUnauthorized, s.res.StatusCode)
		require.Equal(t, "token has expired", problemOf(t, s.res).Detail)
	})

	t.Run("together with the header is refused: one request, one token", func(t *testing.T) {
		s := openStream(t, srv, "/orders/ord_1/events", token, http.Header{"Authorization": {"Bearer " + token}})
		require.Equal(t, http.StatusBadRequest, s.res.StatusCode)
		require.Equal(t, []string{accessTokenParam}, invalidFieldNames(problemOf(t, s.res)))
	})

	t.Run("twice is refused", func(t *testing.T) {
		rec := f.serve(request(http.MethodGet, "/orders/ord_1/events?access_token="+token+"&access_token="+token, "", ""))
		require.Equal(t, http.StatusBadRequest, rec.Code)
	})

	t.Run("is never logged", func(t *testing.T) {
		require.Contains(t, f.logs.String(), "/orders/ord_1/events", "the streams were logged")
		require.NotContains(t, f.logs.String(), token)
	})
}

func TestStreamsPerCustomerAreLimited(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Streams.PerCustomer = 2 })
	f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()), stateOf(t, "ord_2", bob, order.Created, testNow()))
	srv := streamServer(t, f)
	first := openStream(t, srv, "/orders/ord_1/events", tokenFor(t, alice), nil)
	openStream(t, srv, "/orders/events", tokenFor(t, alice), nil)

	over := openStream(t, srv, "/orders/ord_1/events", tokenFor(t, alice), nil)
	require.Equal(t, http.StatusTooManyRequests, over.res.StatusCode)
	require.NotEmpty(t, over.res.Header.Get("Retry-After"))
	require.Equal(t, problem.RateLimited, problemOf(t, over.res).Code)

	bobs := openStream(t, srv, "/orders/ord_2/events", tokenFor(t, bob), nil)
	require.Equal(t, http.StatusOK, bobs.res.StatusCode, "another customer has places of their own")

	first.res.Body.Close()
	require.Eventually(t, func() bool {
		s := openStream(t, srv, "/orders/ord_1/events", tokenFor(t, alice), nil)
		return s.res.StatusCode == http.StatusOK
	}, 5*time.Second, 10*time.Millisecond, "a closed stream frees its place")
}

func TestAStreamOutlivesTheServersTimeouts(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Streams.Heartbeat = 50 * time.Millisecond })
	st := stateOf(t, "ord_1", alice, order.Created, testNow())
	f.orders.put(st)
	// The timeouts of cmd/orderflow, shortened: an answer must be read and
	// written within them, a stream must not be cut by them.
	srv := httptest.NewUnstartedServer(f.handler)
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	s := openStream(t, srv, "/orders/ord_1/events", tokenFor(t, alice), nil)
	s.next(t)

	time.Sleep(800 * time.Millisecond)
	st = advance(t, st, order.Paid)
	f.orders.put(st)
	require.Equal(t, order.Paid, s.nextOrder(t).Status)
}

func TestTheOrdersStream(t *testing.T) {
	t.Run("sends the caller's newest orders at once and again after a new order or a change", func(t *testing.T) {
		f := newFixture(t)
		old := stateOf(t, "ord_old", alice, order.Created, testNow().Add(-time.Hour))
		f.orders.put(old, stateOf(t, "ord_bob", bob, order.Created, testNow()))
		s := openStream(t, streamServer(t, f), "/orders/events?limit=5", tokenFor(t, alice), nil)

		require.Equal(t, []string{"ord_old"}, listIDs(t, s.next(t).data))
		f.orders.put(stateOf(t, "ord_new", alice, order.Created, testNow()))
		require.Equal(t, []string{"ord_new", "ord_old"}, listIDs(t, s.next(t).data))
		f.orders.put(advance(t, old, order.Paid))
		var page listResponse
		require.NoError(t, json.Unmarshal([]byte(s.next(t).data), &page))
		require.Equal(t, order.Paid, page.Orders[1].Status)
	})

	t.Run("does not wake for another customer's orders", func(t *testing.T) {
		f := newFixture(t)
		s := openStream(t, streamServer(t, f), "/orders/events", tokenFor(t, alice), nil)
		require.Empty(t, listIDs(t, s.next(t).data))

		f.orders.put(stateOf(t, "ord_bob", bob, order.Created, testNow()))
		f.orders.put(stateOf(t, "ord_alice", alice, order.Created, testNow()))
		require.Equal(t, []string{"ord_alice"}, listIDs(t, s.next(t).data))
	})
}

func decodeOrderData(t *testing.T, data string) orderResponse {
	t.Helper()
	var o orderResponse
	require.NoError(t, json.Unmarshal([]byte(data), &o))
	return o
}

func listIDs(t *testing.T, data string) []string {
	t.Helper()
	var page listResponse
	require.NoError(t, json.Unmarshal([]byte(data), &page))
	ids := []string{}
	for _, o := range page.Orders {
		ids = append(ids, o.ID)
	}
	return ids
}

// problemOf decodes a problem answered over HTTP.
func problemOf(t *testing.T, res *http.Response) problem.Details {
	t.Helper()
	require.Equal(t, problem.ContentType, res.Header.Get("Content-Type"))
	var p problem.Details
	require.NoError(t, json.NewDecoder(res.Body).Decode(&p))
	return p
}
