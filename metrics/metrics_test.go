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
		p.DeadLetter("new_orders", "payment", "invalid")
	})
	t.Run("counts land under their labels", func(t *testing.T) {
		p := NewPipeline(NewRegistry(), nil, nil)
		t0 := time.Now()
		p.Event("payed_orders", "paid")
		p.Told("notified", t0, t0.Add(50*time.Millisecond))
		p.DeadLetter("new_orders", "payment", "invalid")
		require.Equal(t, 1.0, testutil.ToFloat64(p.Events.WithLabelValues("payed_orders", "paid")))
		require.Equal(t, 1.0, testutil.ToFloat64(p.Terminal.WithLabelValues("notified")))
		require.Equal(t, 1.0, testutil.ToFloat64(p.DeadLetters.WithLabelValues("new_orders", "payment", "invalid")))
		require.Equal(t, 1, int(histogramCount(t, p, "notified")))
	})
}

// A series that appears at its first increment is invisible to rate() and
// increase() for that increment: every label combination starts at zero.
func TestEveryLabelCombinationStartsAtZero(t *testing.T) {
	t.Run("the pipeline's counters", func(t *testing.T) {
		p := NewPipeline(NewRegistry(), map[string][]string{"payment": {"new_orders", "sent_orders"}}, []string{"invalid", "other"})
		require.Equal(t, 1+3+3+3, testutil.CollectAndCount(p.Events), "created, and each stage's outcomes")
		require.Equal(t, 3, testutil.CollectAndCount(p.Terminal), "notified, payment_failed, cancelled")
		require.Equal(t, 3, testutil.CollectAndCount(p.EndToEnd))
		require.Equal(t, 2*2, testutil.CollectAndCount(p.DeadLetters), "each input topic, each reason")
		require.Zero(t, testutil.ToFloat64(p.DeadLetters.WithLabelValues("sent_orders", "payment", "other")))
		require.Zero(t, testutil.ToFloat64(p.Terminal.WithLabelValues("payment_failed")))
	})
	t.Run("a group's rebalances and partitions, once its processor starts", func(t *testing.T) {
		g := NewGroups(NewRegistry())
		g.Start("payment")
		require.Equal(t, 1, testutil.CollectAndCount(g.Rebalances))
		require.Equal(t, 1, testutil.CollectAndCount(g.Assigned))
		require.Zero(t, testutil.ToFloat64(g.Rebalances.WithLabelValues("payment")))
	})
	t.Run("the calls' latency, by action and outcome", func(t *testing.T) {
		gw := NewGatewayCalls(NewRegistry(), []string{"charge", "refund"})
		require.Equal(t, 2*len(outcomes), testutil.CollectAndCount(gw.Seconds))
		n := NewNATSPublishes(NewRegistry())
		require.Equal(t, len(outcomes), testutil.CollectAndCount(n.Seconds))
	})
	t.Run("the retries, by group and action", func(t *testing.T) {
		r := NewRetries(NewRegistry(), map[string][]string{"payment": {"charge", "refund"}, "notifications": {"notify"}})
		require.Equal(t, 3, testutil.CollectAndCount(r.Scheduled))
		require.Zero(t, testutil.ToFloat64(r.Scheduled.WithLabelValues("notifications", "notify")))
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

func TestGroups(t *testing.T) {
	g := NewGroups(NewRegistry())
	g.Start("payment")
	g.Rebalanced("payment", 3)
	g.Rebalanced("payment", 6)
	require.Equal(t, 2.0, testutil.ToFloat64(g.Rebalances.WithLabelValues("payment")))
	require.Equal(t, 6.0, testutil.ToFloat64(g.Assigned.WithLabelValues("payment")))
	g.Stopped("payment")
	require.Zero(t, testutil.ToFloat64(g.Assigned.WithLabelValues("payment")))
	g.SetLag("payment", "new_orders", 4, 17)
	require.Equal(t, 17.0, testutil.ToFloat64(g.Lag.WithLabelValues("payment", "new_orders", "4")))
}

func TestToldWithoutTheOrderObservesNoTime(t *testing.T) {
	p := NewPipeline(NewRegistry(), nil, nil)
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
