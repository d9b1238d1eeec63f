// Package metrics defines orderflow's Prometheus metrics. Each process builds
// its own registry and hands the parts to the components that count; there is
// no global registry.
//
// The pipeline's figures are counted by the orders group, which reads every
// topic of the pipeline anyway: each record is counted once, by the instance
// that owns its partition, and Prometheus sums the instances.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Pipeline counts what happens to orders.
type Pipeline struct {
	// Events counts stage reports by topic and status.
	Events *prometheus.CounterVec
	// Terminal counts orders reaching a terminal status.
	Terminal *prometheus.CounterVec
	// EndToEnd is the time from an order's creation to its customer being
	// told, by outcome.
	EndToEnd *prometheus.HistogramVec
	// DeadLetters counts records set aside, by the topic they came from and
	// the group that set them aside.
	DeadLetters *prometheus.CounterVec
}

// NewPipeline registers the pipeline metrics with reg.
func NewPipeline(reg prometheus.Registerer) *Pipeline {
	p := &Pipeline{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_stage_events_total",
			Help: "Stage reports seen by the orders group, by topic and order status.",
		}, []string{"topic", "status"}),
		Terminal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_orders_terminal_total",
			Help: "Orders that reached a terminal status (notified, payment_failed, cancelled).",
		}, []string{"status"}),
		EndToEnd: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "orderflow_order_end_to_end_seconds",
			Help:    "Time from an order's creation to its customer being notified, by outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"status"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_dead_letters_total",
			Help: "Records set aside in dead_letters, by source topic and the group that set them aside.",
		}, []string{"source_topic", "group"}),
	}
	reg.MustRegister(p.Events, p.Terminal, p.EndToEnd, p.DeadLetters)
	return p
}

// Event counts a stage report; it does nothing on a nil Pipeline, so tests
// and tools may leave metrics out.
func (p *Pipeline) Event(topic, status string) {
	if p != nil {
		p.Events.WithLabelValues(topic, status).Inc()
	}
}

// Notified counts an order whose customer was told of its outcome.
func (p *Pipeline) Notified(status string, created, notified time.Time) {
	if p != nil {
		p.Terminal.WithLabelValues(status).Inc()
		p.EndToEnd.WithLabelValues(status).Observe(notified.Sub(created).Seconds())
	}
}

// DeadLetter counts a dead letter.
func (p *Pipeline) DeadLetter(sourceTopic, group string) {
	if p != nil {
		p.DeadLetters.WithLabelValues(sourceTopic, group).Inc()
	}
}

// HTTP counts API requests.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the HTTP metrics with reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_http_requests_total",
			Help: "API requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "orderflow_http_request_duration_seconds",
			Help:    "API request latency by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(h.requests, h.duration)
	return h
}

// Middleware measures every request under its chi route pattern, so that ids
// in paths do not explode the label space. It may wrap a chi router from the
// outside: it hands the router a route context to fill in.
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := chi.RouteContext(r.Context())
		if rc == nil {
			rc = chi.NewRouteContext()
			r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rc))
		}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		route := rc.RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		method := knownMethod(r.Method)
		h.requests.WithLabelValues(method, route, strconv.Itoa(ww.Status())).Inc()
		h.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	})
}

// knownMethod keeps the method label to a fixed set: clients choose the
// method, and each new label value is a new series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
