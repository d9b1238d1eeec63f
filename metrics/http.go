package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// answered are the status codes the API answers with, created at zero for
// every route so that a first burst of errors shows.
var answered = []int{200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503}

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
// outside: it hands the router a route context to fill in. When next is a
// chi router, every route's series start at zero.
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	if routes, ok := next.(chi.Routes); ok {
		h.zero(routes)
	}
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

// zero creates the series of every route, method and answered code. Mounted
// sub-routers (the tracking page's files) are left to appear when used.
func (h *HTTP) zero(routes chi.Routes) {
	_ = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasSuffix(route, "/*") {
			return nil
		}
		h.duration.WithLabelValues(method, route)
		for _, code := range answered {
			h.requests.WithLabelValues(method, route, strconv.Itoa(code))
		}
		return nil
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
