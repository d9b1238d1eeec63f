package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"orderflow/gateway"
)

// runGateway serves the simulated gateway until ctx ends. Payment instances
// on several machines, or restarted after a crash, share its ledger, as they
// would share a real payment provider. Its metrics address tells a health
// check that it serves.
func runGateway(ctx context.Context, cfg Config, e env) (err error) {
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	sim, err := gateway.NewSimulated(cfg.Gateway.Ledger)
	if err != nil {
		return err
	}
	sim.WithLatency(cfg.Gateway.Latency)
	defer closeInto(&err, sim, "the gateway's ledger")
	ln, err := net.Listen("tcp", cfg.Gateway.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Gateway.Addr, err)
	}
	// The ledger is open and the address bound: from here on it answers.
	a.ready.add("gateway", func() error { return nil })
	a.logger.Info("simulated payment gateway serving", "addr", ln.Addr().String(), "ledger", cfg.Gateway.Ledger)
	srv := &http.Server{Handler: gateway.NewServer(sim), ReadHeaderTimeout: 5 * time.Second}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.serveMetrics(ctx) })
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving gateway: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		// ctx is over by now; the shutdown needs time of its own to let
		// requests in flight finish.
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	return g.Wait()
}
