package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
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
		p.Told("notified", time.Now(), time.Now())
		p.DeadLetter("new_orders", "payment")
	})
	t.Run("counts land under their labels", func(t *testing.T) {
		p := NewPipeline(NewRegistry(), nil)
		t0 := time.Now()
		p.Event("payed_orders", "paid")
		p.Told("notified", t0, t0.Add(50*time.Millisecond))
		p.DeadLetter("new_orders", "payment")
		require.Equal(t, 1.0, testutil.ToFloat64(p.Events.WithLabelValues("payed_orders", "paid")))
		require.Equal(t, 1.0, testutil.ToFloat64(p.Terminal.WithLabelValues("notified")))
		require.Equal(t, 1.0, testutil.ToFloat64(p.DeadLetters.WithLabelValues("new_orders", "payment")))
		require.Equal(t, 1, int(histogramCount(t, p, "notified")))
	})
}

// A series that appears at its first increment is invisible to rate() and
// increase() for that increment: every label combination starts at zero.
func TestEveryLabelCombinationStartsAtZero(t *testing.T) {
	t.Run("the pipeline's counters", func(t *testing.T) {
		p := NewPipeline(NewRegistry(), map[string][]string{"payment": {"new_orders", "sent_orders"}})
		require.Equal(t, 1+3+3+3, testutil.CollectAndCount(p.Events), "created, and each stage's outcomes")
		require.Equal(t, 3, testutil.CollectAndCount(p.Terminal), "notified, payment_failed, cancelled")
		require.Equal(t, 3, testutil.CollectAndCount(p.EndToEnd))
		require.Equal(t, 2, testutil.CollectAndCount(p.DeadLetters))
		require.Zero(t, testutil.ToFloat64(p.DeadLetters.WithLabelValues("sent_orders", "payment")))
		require.Zero(t, testutil.ToFloat64(p.Terminal.WithLabelValues("payment_failed")))
	})
	t.Run("the API's requests, by route, method and answer", func(t *testing.T) {
		h := NewHTTP(NewRegistry())
		r := chi.NewRouter()
		r.Get("/orders/{id}", func(http.ResponseWriter, *http.Request) {})
		r.Post("/orders", func(http.ResponseWriter, *http.Request) {})
		h.Middleware(r)
		require.Equal(t, 2*len(answered), testutil.CollectAndCount(h.requests))
		require.Zero(t, testutil.ToFloat64(h.requests.WithLabelValues("POST", "/orders", "503")))
	})
}

func TestToldWithoutTheOrderObservesNoTime(t *testing.T) {
	p := NewPipeline(NewRegistry(), nil)
	p.Told("notified", time.Time{}, time.Now())
	require.Equal(t, 1.0, testutil.ToFloat64(p.Terminal.WithLabelValues("notified")))
	require.Zero(t, histogramCount(t, p, "notified"), "no 2,000-year sample")
}

func histogramCount(t *testing.T, p *Pipeline, status string) uint64 {
	t.Helper()
	m := &dto.Metric{}
	require.NoError(t, p.EndToEnd.WithLabelValues(status).(prometheus.Histogram).Write(m))
	return m.GetHistogram().GetSampleCount()
}
