package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// runAll runs the whole system in one process: topics, an embedded NATS
// server unless NATS_URL names one, every stage and the API.
func runAll(ctx context.Context, cfg Config, e env) (err error) {
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	defer closeInto(&err, a.tracers, "tracing")
	a.logger.Info("starting orderflow", cfg.logAttrs()...)
	if err := a.forProcessors(); err != nil {
		return err
	}
	if err := a.ensureTopics(ctx); err != nil {
		return err
	}
	natsURL := cfg.NATSURL
	if natsURL == "" {
		ns, err := a.startNATS(ctx)
		if err != nil {
			return err
		}
		defer ns.Shutdown()
		natsURL = ns.ClientURL()
		a.logger.Info("embedded nats server running", "url", natsURL, "service_user", a.cfg.NATSUser)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.runOrders(ctx) })
	g.Go(func() error { return a.runPayment(ctx) })
	g.Go(func() error { return a.runShipping(ctx) })
	g.Go(func() error { return a.runNotifications(ctx, natsURL) })
	g.Go(func() error { return a.serveMetrics(ctx) })
	g.Go(func() error {
		return a.runAPI(ctx, cfg.HTTPAddr, func(addr string) error { return a.banner(e, addr) })
	})
	return g.Wait()
}

func runAPIOnly(ctx context.Context, cfg Config, e env) (err error) {
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	defer closeInto(&err, a.tracers, "tracing")
	a.logger.Info("starting api", cfg.logAttrs()...)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.serveMetrics(ctx) })
	g.Go(func() error {
		return a.runAPI(ctx, cfg.HTTPAddr, func(addr string) error {
			a.logger.Info("api ready", "addr", addr)
			return nil
		})
	})
	return g.Wait()
}

// stageOnly runs one stage with its metrics endpoint.
func stageOnly(name string, run func(a *app, ctx context.Context) error) func(context.Context, Config, env) error {
	return func(ctx context.Context, cfg Config, e env) (err error) {
		a, err := newApp(cfg, e.stderr)
		if err != nil {
			return err
		}
		defer closeInto(&err, a.tracers, "tracing")
		a.logger.Info("starting "+name, cfg.logAttrs()...)
		if err := a.forProcessors(); err != nil {
			return err
		}
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return a.serveMetrics(ctx) })
		g.Go(func() error { return run(a, ctx) })
		return g.Wait()
	}
}

var (
	runOrdersOnly        = stageOnly("orders", (*app).runOrders)
	runPaymentOnly       = stageOnly("payment", (*app).runPayment)
	runShippingOnly      = stageOnly("shipping", (*app).runShipping)
	runNotificationsOnly = stageOnly("notifications", func(a *app, ctx context.Context) error {
		return a.runNotifications(ctx, a.cfg.clientURL())
	})
)

func runTopics(ctx context.Context, cfg Config, e env) error {
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	return a.ensureTopics(ctx)
}

// banner tells a newcomer, once everything runs, how to see the flow.
func (a *app) banner(e env, addr string) error {
	const customer = "alice"
	tok, err := mintToken(a.cfg.Auth, customer, false, 24*time.Hour)
	if err != nil {
		a.logger.Warn("no demo token", "error", err)
		tok = "$(orderflow token --customer alice)"
	}
	base := "http://" + addr
	lines := []string{
		"",
		"orderflow is running.",
		"  API:       " + base + "   (health: " + base + "/healthz, ready: " + base + "/readyz)",
		"  tracking:  " + base + "/track",
		"  OpenAPI:   " + base + "/openapi.json",
		"  metrics:   http://" + a.cfg.MetricsAddr + "/metrics",
		"",
		"A token for customer " + customer + " (valid 24h):",
		"  export TOKEN=" + tok,
		"",
		"Place an order:",
		`  curl -si -X POST ` + base + `/orders -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \`,
		`    -d '{"items":[{"sku":"mug-01","quantity":2,"unit_price_cents":1250}],"currency":"EUR","payment_token":"tok_visa",`,
		`         "shipping_address":{"name":"Alice","line1":"1 Main St","city":"Berlin","postal_code":"10115","country":"DE"}}'`,
		"",
		"Follow it (use the id from the Location header):",
		`  curl -s ` + base + `/orders/ORDER_ID -H "Authorization: Bearer $TOKEN"`,
		`  curl -s ` + base + `/orders -H "Authorization: Bearer $TOKEN"`,
		"",
		"Watch alice's notifications arrive over NATS, as alice (in another terminal):",
		"  " + filepath.Join("bin", "orderflow") + " watch --customer " + customer + " --token $TOKEN",
		"",
		"Card tokens: tok_visa is approved, tok_decline is declined, tok_flaky recovers after retries, tok_unavailable exhausts them.",
		"Ctrl-C stops everything.",
		"",
	}
	if _, err := fmt.Fprintln(e.stdout, strings.Join(lines, "\n")); err != nil {
		return fmt.Errorf("printing the banner: %w", err)
	}
	return nil
}
