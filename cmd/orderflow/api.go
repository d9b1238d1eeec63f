package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lovoo/goka"
	"golang.org/x/sync/errgroup"

	"orderflow/api"
	"orderflow/auth"
	"orderflow/codecs"
	"orderflow/events"
	"orderflow/metrics"
	"orderflow/ratelimit"
	"orderflow/retry"
	"orderflow/topology"
	"orderflow/views"
	"orderflow/web"
)

// kafkaWriter writes the API's commands and returns once Kafka has them on
// every in-sync replica.
type kafkaWriter struct {
	placed, cancels *goka.Emitter
}

func (w kafkaWriter) PlaceOrder(ctx context.Context, p events.OrderPlaced) error {
	return emit(ctx, w.placed, p.Order.ID, p)
}

func (w kafkaWriter) RequestCancel(ctx context.Context, c events.CancelRequested) error {
	return emit(ctx, w.cancels, c.OrderID, c)
}

// emit writes a record and waits for Kafka's acknowledgement, or for the
// request to end: a client must get an answer (503) within the API's own
// timeout even when the broker does not answer at all. The record may still
// be written after that; a retry with the same Idempotency-Key names the
// same order.
func emit(ctx context.Context, e *goka.Emitter, key string, value any) error {
	promise, err := e.Emit(key, value)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	promise.Then(func(err error) { done <- err })
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("waiting for kafka: %w", ctx.Err())
	}
}

// runAPI serves the API on addr until ctx ends. It listens only once it is
// connected to Kafka, so that a client is refused rather than left hanging;
// onReady is called with the address once the views have recovered.
func (a *app) runAPI(ctx context.Context, addr string, onReady func(addr string)) error {
	brokers := a.goka.Brokers()
	var view *views.Orders
	var w kafkaWriter
	// Kafka may still be starting: keep trying until it answers.
	err := retry.Do(ctx, retry.Policy{Base: 200 * time.Millisecond, Max: 5 * time.Second}, func(context.Context) error {
		var err error
		if view == nil {
			if view, err = views.NewOrders(brokers, a.goka.View(topology.OrdersTable)...); err != nil {
				return err
			}
		}
		if w.placed == nil {
			if w.placed, err = goka.NewEmitter(brokers, topology.NewOrders, codecs.JSON[events.OrderPlaced]{}, a.goka.Emitter()...); err != nil {
				return err
			}
		}
		// Each part is made once: a retry does not leak the clients of the
		// parts that worked.
		w.cancels, err = goka.NewEmitter(brokers, topology.OrderCancellations, codecs.JSON[events.CancelRequested]{}, a.goka.Emitter()...)
		return err
	}, func(attempt int, wait time.Duration, err error) {
		a.logger.Warn("kafka not reachable for the API; retrying", "attempt", attempt, "error", err)
	})
	if err != nil {
		return fmt.Errorf("connecting the API to kafka: %w", err)
	}
	handler, err := a.apiHandler(ctx, view, w)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return view.Run(ctx) })
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if waitReady(ctx, view) && onReady != nil {
			onReady(ln.Addr().String())
		}
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdown)
		return errors.Join(err, w.placed.Finish(), w.cancels.Finish())
	})
	return g.Wait()
}

func (a *app) apiHandler(ctx context.Context, view *views.Orders, w kafkaWriter) (http.Handler, error) {
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
	})
	return metrics.NewHTTP(a.metrics).Middleware(h), nil
}

func customerKey(r *http.Request) string {
	who, _ := auth.FromContext(r.Context())
	return who.CustomerID
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

// verifier checks the customers' tokens, for the API and the embedded NATS
// server alike. It is built once per process: with a JWKS URL, each build
// would fetch the keys again.
func (a *app) verifier(ctx context.Context) (*auth.Verifier, error) {
	a.verifierOnce.Do(func() {
		a.verifierV, a.verifierErr = auth.NewVerifier(ctx, auth.Config{
			Issuer:      a.cfg.Auth.Issuer,
			Audience:    a.cfg.Auth.Audience,
			HS256Secret: []byte(a.cfg.Auth.HS256Secret),
			JWKSFile:    a.cfg.Auth.JWKSFile,
			JWKSURL:     a.cfg.Auth.JWKSURL,
			HTTPClient:  &http.Client{Timeout: 10 * time.Second},
		})
		if a.verifierErr != nil {
			a.verifierErr = fmt.Errorf("configuring authentication: %w", a.verifierErr)
		}
	})
	return a.verifierV, a.verifierErr
}
