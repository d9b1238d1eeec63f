package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/order"
	"orderflow/problem"
	"orderflow/views"
)

func TestGetOrder(t *testing.T) {
	t.Run("an order is shown with its history", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_1", alice, order.Paid, testNow()))

		rec := f.serve(request(http.MethodGet, "/orders/ord_1", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		got := decodeOrder(t, rec)
		require.Equal(t, "ord_1", got.ID)
		require.Equal(t, order.Paid, got.Status)
		require.EqualValues(t, validTotal, got.TotalCents)
		require.Equal(t, []order.Change{
			{Status: order.Created, At: testNow()},
			{Status: order.Paid, At: testNow().Add(time.Minute)},
		}, got.History)
		require.NotNil(t, got.Payment)
	})
	notFound := []struct{ name, target string }{
		{"an unknown id", "/orders/ord_unknown"},
		{"an id with a NUL byte", "/orders/ord%00x"},
		{"an id of 65 characters", "/orders/" + strings.Repeat("a", order.MaxIDLen+1)},
		{"an id with an escaped slash", "/orders/ord%2F1"},
		{"an id with a dot segment", "/orders/..%2Ford_1"},
	}
	for _, c := range notFound {
		t.Run(c.name+" is not found", func(t *testing.T) {
			f := newFixture(t)
			f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))

			rec := f.serve(request(http.MethodGet, c.target, tokenFor(t, alice), ""))

			require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
			p := decodeProblem(t, rec)
			require.Equal(t, "no such order", p.Detail)
			require.Equal(t, problem.NotFound, p.Code)
		})
	}
	t.Run("views that are still loading answer 503 with Retry-After", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))
		f.orders.setReady(false)

		rec := f.serve(request(http.MethodGet, "/orders/ord_1", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.NotEmpty(t, rec.Header().Get("Retry-After"))
		require.Equal(t, problem.Unavailable, decodeProblem(t, rec).Code)
	})
}

func TestListOrders(t *testing.T) {
	// Three of alice's orders a minute apart, and one of bob's.
	seed := func(f *fixture) {
		f.orders.put(
			stateOf(t, "ord_old", alice, order.Notified, testNow().Add(-3*time.Minute)),
			stateOf(t, "ord_mid", alice, order.Paid, testNow().Add(-2*time.Minute)),
			stateOf(t, "ord_new", alice, order.Created, testNow().Add(-1*time.Minute)),
			stateOf(t, "ord_bob", bob, order.Created, testNow()),
		)
	}
	ids := func(l listResponse) []string {
		var out []string
		for _, o := range l.Orders {
			out = append(out, o.ID)
		}
		return out
	}

	t.Run("pages pass limit and cursor through and end without a cursor", func(t *testing.T) {
		f := newFixture(t)
		seed(f)

		first := f.serve(request(http.MethodGet, "/orders?limit=2", tokenFor(t, alice), ""))
		require.Equal(t, http.StatusOK, first.Code, first.Body.String())
		page1 := decodeList(t, first)
		require.Equal(t, []string{"ord_new", "ord_mid"}, ids(page1))
		require.NotEmpty(t, page1.NextCursor)

		second := f.serve(request(http.MethodGet, "/orders?limit=2&cursor="+url.QueryEscape(page1.NextCursor), tokenFor(t, alice), ""))
		require.Equal(t, http.StatusOK, second.Code, second.Body.String())
		page2 := decodeList(t, second)
		require.Equal(t, []string{"ord_old"}, ids(page2))
		require.Empty(t, page2.NextCursor)

		require.Equal(t, []listCall{
			{customer: alice, limit: 2},
			{customer: alice, cursor: page1.NextCursor, limit: 2},
		}, f.orders.listCalls())
	})
	t.Run("a customer naming themselves lists their own orders", func(t *testing.T) {
		f := newFixture(t)
		seed(f)

		rec := f.serve(request(http.MethodGet, "/orders?customer_id=alice&limit=100", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, []string{"ord_new", "ord_mid", "ord_old"}, ids(decodeList(t, rec)))
		require.Equal(t, []listCall{{customer: alice, limit: 100}}, f.orders.listCalls())
	})
	t.Run("a customer without orders gets an empty list, not null", func(t *testing.T) {
		f := newFixture(t)

		rec := f.serve(request(http.MethodGet, "/orders", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusOK, rec.Code)
		require.JSONEq(t, `{"orders":[]}`, rec.Body.String())
	})
	for _, limit := range []string{"0", "101", "abc", "-1", "1.5", "99999999999999999999"} {
		t.Run("a limit of "+limit+" is refused", func(t *testing.T) {
			f := newFixture(t)

			rec := f.serve(request(http.MethodGet, "/orders?limit="+url.QueryEscape(limit), tokenFor(t, alice), ""))

			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			require.Equal(t, []string{"limit"}, invalidFieldNames(decodeProblem(t, rec)))
			require.Empty(t, f.orders.listCalls())
		})
	}
	t.Run("a cursor the views did not hand out is refused naming the cursor", func(t *testing.T) {
		f := newFixture(t)
		seed(f)

		rec := f.serve(request(http.MethodGet, "/orders?cursor=forged", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		require.Equal(t, []string{"cursor"}, invalidFieldNames(decodeProblem(t, rec)))
	})
	t.Run("views that are still loading answer 503 with Retry-After", func(t *testing.T) {
		f := newFixture(t)
		f.orders.setReady(false)

		rec := f.serve(request(http.MethodGet, "/orders", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.NotEmpty(t, rec.Header().Get("Retry-After"))
		require.Empty(t, f.orders.listCalls())
	})
}

// The fake's bad cursor must be the error the real views return, or the
// cursor test above proves nothing.
func TestFakeRefusesCursorsLikeTheViews(t *testing.T) {
	_, _, err := newFakeOrders().ListAll("forged", 10)
	require.ErrorIs(t, err, views.ErrBadCursor)
}

func TestReadyz(t *testing.T) {
	f := newFixture(t)
	f.orders.setReady(false)

	t.Run("readyz answers 503 while the views recover", func(t *testing.T) {
		rec := f.serve(request(http.MethodGet, "/readyz", "", ""))

		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.NotEmpty(t, rec.Header().Get("Retry-After"))
		require.Equal(t, problem.Unavailable, decodeProblem(t, rec).Code)
	})
	t.Run("readyz answers 200 once they have caught up", func(t *testing.T) {
		f.orders.setReady(true)

		rec := f.serve(request(http.MethodGet, "/readyz", "", ""))

		require.Equal(t, http.StatusOK, rec.Code)
		require.JSONEq(t, `{"status":"ready"}`, rec.Body.String())
	})
	t.Run("healthz answers 200 whatever the views", func(t *testing.T) {
		f.orders.setReady(false)

		rec := f.serve(request(http.MethodGet, "/healthz", "", ""))

		require.Equal(t, http.StatusOK, rec.Code)
		require.JSONEq(t, `{"status":"ok"}`, rec.Body.String())
	})
}

// requestLog runs outside Recoverer, so a nil logger once panicked after
// every answer.
func TestNewWithoutALoggerServesRequests(t *testing.T) {
	h := New(Config{Orders: newFakeOrders(), Writer: &fakeWriter{t: t}, Authenticate: func(next http.Handler) http.Handler { return next }})
	rec := httptest.NewRecorder()

	require.NotPanics(t, func() { h.ServeHTTP(rec, request(http.MethodGet, "/healthz", "", "")) })
	require.Equal(t, http.StatusOK, rec.Code)
}

func TestAPanicIsAnsweredAsAProblem(t *testing.T) {
	f := newFixture(t)
	f.orders.panicOnGet = true
	rec := f.serve(request(http.MethodGet, "/orders/o1", tokenFor(t, "alice"), ""))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	p := decodeProblem(t, rec)
	require.Equal(t, "internal error", p.Detail)
	require.Equal(t, problem.Internal, p.Code)
}
