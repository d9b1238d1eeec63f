package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/events"
	"orderflow/order"
	"orderflow/ratelimit"
)

// exchange is one request to the fixture, after prepare has set the scene.
type exchange struct {
	name                 string
	prepare              func(t *testing.T, f *fixture)
	method, target       string
	token, body          string
	contentType, idemKey string
	lastEventID          string
	// query sends the token in access_token as well as in the header.
	query bool
}

func (e exchange) request() *http.Request {
	r := request(e.method, e.target, e.token, e.body)
	if e.contentType != "" {
		r.Header.Set("Content-Type", e.contentType)
	}
	if e.idemKey != "" {
		r.Header.Set("Idempotency-Key", e.idemKey)
	}
	if e.lastEventID != "" {
		r.Header.Set("Last-Event-ID", e.lastEventID)
	}
	if e.query {
		r.URL.RawQuery = url.Values{accessTokenParam: {e.token}}.Encode()
	}
	return r
}

// shippedOrder is alice's order that was shipped and notified.
func shippedOrder(t *testing.T) events.OrderState {
	st := stateOf(t, "ord_shipped", alice, order.Notified, testNow().Add(-time.Hour))
	st.Shipment = &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP1"}
	notifiedAt := testNow()
	st.NotifiedAt = &notifiedAt
	return st
}

// conformanceExchanges reach every documented answer of every operation
// but the rate limit's, which needs a limiter (see the test).
func conformanceExchanges(t *testing.T) []exchange {
	alicesToken, adminsToken := tokenFor(t, alice), tokenFor(t, admin, "admin")
	replayed := newOrderID(alice, "key-1")
	seed := func(t *testing.T, f *fixture) {
		shipped := shippedOrder(t)
		declined := stateOf(t, "ord_declined", alice, order.PaymentFailed, testNow().Add(-2*time.Hour))
		declined.History[len(declined.History)-1].Reason = "card declined"
		f.orders.put(shipped, declined,
			stateOf(t, "ord_new", alice, order.Created, testNow()),
			stateOf(t, "ord_cancelled", alice, order.Cancelled, testNow()),
			stateOf(t, replayed, alice, order.Created, testNow()))
	}
	broken := func(t *testing.T, f *fixture) { f.writer.failWith(errors.New("kafka: broker down")) }
	panicking := func(t *testing.T, f *fixture) { seed(t, f); f.orders.panicOnGet = true }
	loading := func(t *testing.T, f *fixture) { seed(t, f); f.orders.setReady(false) }
	good := goodBody(t)
	post, get := http.MethodPost, http.MethodGet
	return []exchange{
		{name: "an order is created", method: post, target: "/orders", token: alicesToken, body: good},
		{name: "a retried order is replayed", prepare: seed, method: post, target: "/orders", token: alicesToken, body: good, idemKey: "key-1"},
		{name: "a body that is not JSON", method: post, target: "/orders", token: alicesToken, body: "{"},
		{name: "an order with invalid fields", method: post, target: "/orders", token: alicesToken,
			body: bodyWith(t, func(b map[string]any) { b["currency"] = "XXX"; b["items"] = []any{} })},
		{name: "an order without a token", method: post, target: "/orders", body: good},
		{name: "an order for someone else", method: post, target: "/orders", token: alicesToken,
			body: bodyWith(t, func(b map[string]any) { b["customer_id"] = bob })},
		{name: "a body too large", method: post, target: "/orders", token: alicesToken, body: strings.Repeat(" ", maxBodyBytes+1)},
		{name: "a body that is not JSON by type", method: post, target: "/orders", token: alicesToken, body: good, contentType: "text/plain"},
		{name: "a key reused for another order", prepare: seed, method: post, target: "/orders", token: alicesToken, idemKey: "key-1",
			body: bodyWith(t, func(b map[string]any) { b["currency"] = "USD" })},
		{name: "an order while the views fail", prepare: panicking, method: post, target: "/orders", token: alicesToken, body: good, idemKey: "key-2"},
		{name: "an order while Kafka is down", prepare: broken, method: post, target: "/orders", token: alicesToken, body: good},

		{name: "a page of orders", prepare: seed, method: get, target: "/orders?limit=2", token: alicesToken},
		{name: "everyone's orders, for an admin", prepare: seed, method: get, target: "/orders", token: adminsToken},
		{name: "a bad limit", method: get, target: "/orders?limit=0", token: alicesToken},
		{name: "orders without a token", method: get, target: "/orders"},
		{name: "someone else's orders", method: get, target: "/orders?customer_id=bob", token: alicesToken},
		{name: "orders while the index fails", prepare: func(t *testing.T, f *fixture) { f.orders.listErr = errors.New("index broken") },
			method: get, target: "/orders", token: alicesToken},
		{name: "orders while the views load", prepare: loading, method: get, target: "/orders", token: alicesToken},

		{name: "a shipped and notified order", prepare: seed, method: get, target: "/orders/ord_shipped", token: alicesToken},
		{name: "a declined order", prepare: seed, method: get, target: "/orders/ord_declined", token: alicesToken},
		{name: "an order without a token", method: get, target: "/orders/ord_new"},
		{name: "a missing order", prepare: seed, method: get, target: "/orders/ord_missing", token: alicesToken},
		{name: "an order while the views fail", prepare: panicking, method: get, target: "/orders/ord_new", token: alicesToken},
		{name: "an order while the views load", prepare: loading, method: get, target: "/orders/ord_new", token: alicesToken},

		{name: "a cancelled order cancelled again", prepare: seed, method: post, target: "/orders/ord_cancelled/cancel", token: alicesToken},
		{name: "a new order cancelled", prepare: seed, method: post, target: "/orders/ord_new/cancel", token: alicesToken},
		{name: "a cancel without a token", method: post, target: "/orders/ord_new/cancel"},
		{name: "a missing order cancelled", method: post, target: "/orders/ord_missing/cancel", token: alicesToken},
		{name: "a shipped order cancelled", prepare: seed, method: post, target: "/orders/ord_shipped/cancel", token: alicesToken},
		{name: "a cancel while the views fail", prepare: panicking, method: post, target: "/orders/ord_new/cancel", token: alicesToken},
		{name: "a cancel while the views load", prepare: loading, method: post, target: "/orders/ord_new/cancel", token: alicesToken},

		{name: "a terminal order's stream", prepare: seed, method: get, target: "/orders/ord_shipped/events", token: alicesToken},
		{name: "a terminal order's stream resumed after its last event", prepare: seed, method: get, target: "/orders/ord_shipped/events",
			token: alicesToken, lastEventID: eventOf(t, newOrderResponse(shippedOrder(t))).id},
		{name: "a stream with the token in the header and the query", prepare: seed, method: get, target: "/orders/ord_new/events", token: alicesToken, query: true},
		{name: "a stream without a token", method: get, target: "/orders/ord_new/events"},
		{name: "a stream of a missing order", prepare: seed, method: get, target: "/orders/ord_missing/events", token: alicesToken},
		{name: "a stream while the views fail", prepare: panicking, method: get, target: "/orders/ord_new/events", token: alicesToken},
		{name: "a stream while the views load", prepare: loading, method: get, target: "/orders/ord_new/events", token: alicesToken},

		{name: "a stream of my orders", prepare: seed, method: get, target: "/orders/events?limit=2", token: alicesToken},
		{name: "a stream of my orders with a bad limit", method: get, target: "/orders/events?limit=0", token: alicesToken},
		{name: "a stream of my orders without a token", method: get, target: "/orders/events"},
		{name: "a stream of my orders while the index fails", prepare: func(t *testing.T, f *fixture) { f.orders.listErr = errors.New("index broken") },
			method: get, target: "/orders/events", token: alicesToken},
		{name: "a stream of my orders while the views load", prepare: loading, method: get, target: "/orders/events", token: alicesToken},

		{name: "liveness", method: get, target: "/healthz"},
		{name: "readiness", method: get, target: "/readyz"},
		{name: "readiness while the views load", prepare: loading, method: get, target: "/readyz"},
		{name: "the document itself", method: get, target: "/openapi.json"},
	}
}

func TestAnswersMatchTheDocument(t *testing.T) {
	doc := loadDocument(t)
	seen := map[string]bool{}
	for _, e := range conformanceExchanges(t) {
		t.Run(e.name+" is answered as documented", func(t *testing.T) {
			f := newFixture(t)
			if e.prepare != nil {
				e.prepare(t, f)
			}
			r := e.request()
			if strings.HasSuffix(r.URL.Path, "/events") {
				// A stream that does not end by itself is cut short, and
				// what it sent until then is checked.
				ctx, cancel := context.WithTimeout(r.Context(), 200*time.Millisecond)
				defer cancel()
				r = r.WithContext(ctx)
			}
			seen[checkAnswer(t, doc, f.handler, r, f.serve(r))] = true
		})
	}
	for _, route := range []struct{ method, target string }{
		{http.MethodPost, "/orders"}, {http.MethodGet, "/orders"},
		{http.MethodGet, "/orders/ord_1"}, {http.MethodPost, "/orders/ord_1/cancel"},
		{http.MethodGet, "/orders/events"}, {http.MethodGet, "/orders/ord_1/events"},
	} {
		t.Run(route.method+" "+route.target+" over the rate limit is answered as documented", func(t *testing.T) {
			h := limitedHandler(t)
			// The first request only spends the limit: a stream it opens
			// ends at once.
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			first := request(route.method, route.target, "", "").WithContext(ctx)
			h.ServeHTTP(httptest.NewRecorder(), first)
			r := request(route.method, route.target, "", "")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, http.StatusTooManyRequests, rec.Code)
			seen[checkAnswer(t, doc, h, r, rec)] = true
		})
	}

	t.Run("every documented answer was seen", func(t *testing.T) {
		for _, answer := range documentedAnswers(doc) {
			require.True(t, seen[answer], "no exchange produced %s", answer)
		}
	})
}

// limitedHandler is the API with an address limit that lets one request
// through, and no more.
func limitedHandler(t *testing.T) http.Handler {
	t.Helper()
	limiter, err := ratelimit.New(ratelimit.Config{Rate: 0.001, Burst: 1, Now: testNow})
	require.NoError(t, err)
	f := newFixture(t)
	return New(Config{
		Orders:         f.orders,
		Writer:         f.writer,
		Authenticate:   func(next http.Handler) http.Handler { return next },
		LimitAnonymous: limiter.Middleware(ratelimit.ClientAddr),
		Now:            testNow,
	})
}
