// Package api is orderflow's HTTP API: create, read, list and cancel orders.
// Writes go to Kafka (new_orders, order_cancellations) and are durable before
// the answer is sent; reads come from goka views of the orders table.
//
// openapi.json describes every route (served at /openapi.json); every error
// is problem details (RFC 9457), written by package problem.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"orderflow/events"
	"orderflow/problem"
	"orderflow/tracing"
)

// OrderReader answers from the orders table (views.Orders).
type OrderReader interface {
	Ready() bool
	Get(id string) (events.OrderState, bool, error)
	ListByCustomer(customerID, cursor string, limit int) ([]events.OrderState, string, error)
	ListAll(cursor string, limit int) ([]events.OrderState, string, error)
	// WatchOrder and WatchCustomer signal on changed after an order, or any
	// order of a customer, changes in the view; stop ends the watch. The
	// event streams wait on them.
	WatchOrder(id string) (changed <-chan struct{}, stop func())
	WatchCustomer(customerID string) (changed <-chan struct{}, stop func())
}

// Writer writes commands to Kafka and returns once they are durable.
type Writer interface {
	PlaceOrder(ctx context.Context, p events.OrderPlaced) error
	RequestCancel(ctx context.Context, c events.CancelRequested) error
}

// Config is what the API needs.
type Config struct {
	Orders OrderReader
	Writer Writer
	// Logger logs every request once; nil discards.
	Logger *slog.Logger
	// Authenticate checks the caller and puts an auth.Identity in the
	// request context (auth.Verifier.Middleware).
	Authenticate func(http.Handler) http.Handler
	// Limit, when set, rate-limits authenticated callers (per customer).
	Limit func(http.Handler) http.Handler
	// LimitAnonymous, when set, rate-limits every caller by address before
	// authentication, so that bad tokens cannot be tried at full speed.
	LimitAnonymous func(http.Handler) http.Handler
	// Extra routes mounted as they are (the tracking page, metrics).
	Mount map[string]http.Handler
	// Streams bounds the event streams (streams.go).
	Streams StreamConfig
	Now     func() time.Time
	// Tracer makes every request a span, the start of an order's trace
	// (trace.go); nil is tracing off.
	Tracer *tracing.Tracer
}

type server struct {
	Config
	logger  *slog.Logger
	streams *streamLimit
}

// New returns the API's handler with every route in one place.
func New(cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		// requestLog runs outside the recoverer: a nil logger would panic
		// after every answer and drop the connection.
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Streams = cfg.Streams.withDefaults()
	s := &server{Config: cfg, logger: cfg.Logger, streams: newStreamLimit(cfg.Streams.PerCustomer, cfg.Streams.Total)}
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	if cfg.Tracer != nil {
		r.Use(s.trace)
	}
	r.Use(s.requestLog, s.recoverer)
	r.Group(func(r chi.Router) {
		// Every answer but an event stream is due within 10 s.
		r.Use(middleware.Timeout(10 * time.Second))
		r.Get("/healthz", s.healthz)
		r.Get("/readyz", s.readyz)
		r.Get("/openapi.json", openAPI)
		for pattern, h := range cfg.Mount {
			r.Mount(pattern, h)
		}
		r.Group(func(r chi.Router) {
			s.authenticated(r)
			r.Post("/orders", s.handle(s.createOrder))
			r.Get("/orders", s.handle(s.listOrders))
			r.Get("/orders/{id}", s.handle(s.getOrder))
			r.Post("/orders/{id}/cancel", s.handle(s.cancelOrder))
		})
	})
	r.Group(func(r chi.Router) {
		// Streams last for minutes (StreamConfig.Lifetime), and take their
		// token from the query too, for EventSource (querytoken.go).
		s.authenticated(r, tokenFromQuery)
		r.Get("/orders/events", s.handle(s.streamOrders))
		r.Get("/orders/{id}/events", s.handle(s.streamOrder))
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{Status: http.StatusNotFound, Code: problem.NotFound, Message: "no such resource"})
	})
	r.MethodNotAllowed(methodNotAllowed(r))
	return r
}

// authenticated adds the middleware of every order route: the address
// limit, then before (if any), authentication and the customer limit.
func (s *server) authenticated(r chi.Router, before ...func(http.Handler) http.Handler) {
	if s.LimitAnonymous != nil {
		r.Use(s.LimitAnonymous)
	}
	r.Use(before...)
	r.Use(s.Authenticate)
	if s.Limit != nil {
		r.Use(s.Limit)
	}
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready once the views have caught up, so a load balancer sends
// no reads to an instance that would answer from a half-loaded table.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.Orders.Ready() {
		writeError(w, &Error{Status: http.StatusServiceUnavailable, Code: problem.Unavailable, Message: "views are still recovering", RetryAfter: 1})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// requestLog logs every request once, after it is answered. Health probes
// and metrics scrapes come every few seconds and say nothing new (a
// recovering instance's 503s included; /readyz and the metrics tell the
// state): they are logged at debug.
func (s *server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		level := slog.LevelInfo
		if isProbe(r.URL.Path) {
			level = slog.LevelDebug
		}
		tracing.Logger(r.Context(), s.logger).LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", ww.Status()), slog.Duration("duration", time.Since(start)),
			slog.String("request_id", middleware.GetReqID(r.Context())))
	})
}

// isProbe reports whether path is that of a health check or a scrape.
func isProbe(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

// recoverer turns a panic in a handler into a logged error and a 500,
// like every other error answer; the process goes on serving.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				s.logger.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				writeError(w, &Error{Status: http.StatusInternalServerError, Code: problem.Internal, Message: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
