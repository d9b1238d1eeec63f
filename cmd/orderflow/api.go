package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"orderflow/api"
	"orderflow/auth"
	"orderflow/kafka"
	"orderflow/metrics"
	"orderflow/ratelimit"
	"orderflow/retry"
	"orderflow/topology"
	"orderflow/tracing"
	"orderflow/views"
	"orderflow/web"
)

// apiParts are the API's connections to Kafka: the orders view it reads
// and the writer it places and cancels orders with.
type apiParts struct {
	view   *views.Orders
	writer *kafka.Writer
}

// runAPI serves the API on addr until ctx ends. It listens only once it is
// connected to Kafka, so that a client is refused rather than left hanging;
// onReady is called with the address once the views have recovered; its
// error stops the API.
func (a *app) runAPI(ctx context.Context, addr string, onReady func(addr string) error) error {
	var view atomic.Pointer[views.Orders]
	a.ready.add("api", func() error { return viewReady(view.Load()) })
	tracer, err := a.tracers.tracer(ctx, "api")
	if err != nil {
		return err
	}
	parts, err := a.connectAPI(ctx, tracer)
	if err != nil {
		return err
	}
	view.Store(parts.view)
	handler, err := a.apiHandler(ctx, parts.view, parts.writer, tracer)
	if err != nil {
		return errors.Join(err, parts.writer.Close())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listening on %s: %w", addr, err), parts.writer.Close())
	}
	return serveAPI(ctx, ln, handler, parts, onReady)
}

// connectAPI makes the API's parts, retrying while Kafka may still be
// starting. Each part is made once: a retry does not leak the clients of
// the parts that worked.
func (a *app) connectAPI(ctx context.Context, tracer *tracing.Tracer) (apiParts, error) {
	brokers := a.goka.Brokers()
	viewCfg := views.Config{Logger: a.logger, Skipped: metrics.NewViewSkipped(a.metrics)}
	var p apiParts
	err := retry.Do(ctx, retry.Policy{Base: 200 * time.Millisecond, Max: 5 * time.Second}, func(context.Context) error {
		var err error
		if p.view == nil {
			if p.view, err = views.NewOrders(brokers, viewCfg, a.goka.View(topology.OrdersTable)...); err != nil {
				return err
			}
		}
		if p.writer == nil {
			p.writer, err = kafka.NewWriter(brokers, tracer, a.goka.Emitter()...)
		}
		return err
	}, func(attempt int, wait time.Duration, err error) {
		a.logger.Warn("kafka not reachable for the API; retrying", "attempt", attempt, "error", err)
	})
	if err != nil {
		if p.writer != nil {
			err = errors.Join(err, p.writer.Close())
		}
		return p, fmt.Errorf("connecting the API to kafka: %w", err)
	}
	return p, nil
}

// serveAPI runs the view and the HTTP server until ctx ends, then shuts the
// server down and closes the writer once no handler can use it any more.
func serveAPI(ctx context.Context, ln net.Listener, handler http.Handler, parts apiParts, onReady func(addr string) error) error {
	// WriteTimeout bounds answers; the event streams outlive it by giving
	// each of their writes a deadline of its own (api/sse.go).
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return parts.view.Run(ctx) })
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if waitReady(ctx, parts.view) && onReady != nil {
			return onReady(ln.Addr().String())
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errors.Join(srv.Shutdown(shutdown), parts.writer.Close())
	})
	return g.Wait()
}

func (a *app) apiHandler(ctx context.Context, view *views.Orders, w api.Writer, tracer *tracing.Tracer) (http.Handler, error) {
	verifier, err := a.verifier(ctx)
	if err != nil {
		return nil, err
	}
	limits := ratelimit.Config{Rate: a.cfg.RateLimit.PerSecond, Burst: a.cfg.RateLimit.Burst}
	perCustomer, err := ratelimit.New(limits)
	if err != nil {
		return nil, fmt.Errorf("configuring rate limits: %w", err)
	}
	perAddress, err := ratelimit.New(limits)
	if err != nil {
		return nil, fmt.Errorf("configuring rate limits: %w", err)
	}
	h := api.New(api.Config{
		Orders:         view,
		Writer:         w,
		Logger:         a.logger,
		Authenticate:   verifier.Middleware,
		Limit:          perCustomer.Middleware(customerKey),
		LimitAnonymous: perAddress.Middleware(ratelimit.ClientAddr),
		Mount:          map[string]http.Handler{"/track": web.Handler()},
		Now:            time.Now,
		Tracer:         tracer,
	})
	return metrics.NewHTTP(a.metrics).Middleware(h), nil
}

func customerKey(r *http.Request) string {
	who, _ := auth.FromContext(r.Context())
	return who.CustomerID
}

// viewReady says whether the API can answer from its view: the same as its
// own /readyz, for the metrics address's.
func viewReady(view *views.Orders) error {
	switch {
	case view == nil:
		return errors.New("connecting to kafka")
	case !view.Ready():
		return errors.New("views are still recovering")
	}
	return nil
}

func waitReady(ctx context.Context, view *views.Orders) bool {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !view.Ready() {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}
