package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestHTTPMiddlewareLabelsByRoutePattern(t *testing.T) {
	reg := NewRegistry()
	h := NewHTTP(reg)
	r := chi.NewRouter()
	r.Get("/orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	srv := h.Middleware(r)
	for _, path := range []string{"/orders/a", "/orders/b", "/nothing"} {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	require.Equal(t, 2.0, testutil.ToFloat64(h.requests.WithLabelValues("GET", "/orders/{id}", "404")))
	require.Equal(t, 1.0, testutil.ToFloat64(h.requests.WithLabelValues("GET", "unmatched", "404")))
}

func TestPipeline(t *testing.T) {
	t.Run("a nil pipeline counts nothing and does not panic", func(t *testing.T) {
		var p *Pipeline
		p.Event("new_orders", "created")
		p.Notified("notified", time.Now(), time.Now())
		p.DeadLetter("new_orders", "payment")
	})
	t.Run("counts land under their labels", func(t *testing.T) {
		p := NewPipeline(NewRegistry())
		t0 := time.Now()
		p.Event("payed_orders", "paid")
		p.Notified("notified", t0, t0.Add(50*time.Millisecond))
		p.DeadLetter("new_orders", "payment")
		require.Equal(t, 1.0, testutil.ToFloat64(p.Events.WithLabelValues("payed_orders", "paid")))
		require.Equal(t, 1.0, testutil.ToFloat64(p.Terminal.WithLabelValues("notified")))
		require.Equal(t, 1.0, testutil.ToFloat64(p.DeadLetters.WithLabelValues("new_orders", "payment")))
		require.Equal(t, 1, testutil.CollectAndCount(p.EndToEnd))
	})
}
