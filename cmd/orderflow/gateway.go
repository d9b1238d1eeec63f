package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"orderflow/gateway"
)

// runGateway serves the simulated gateway until ctx ends. Payment instances
// on several machines, or restarted after a crash, share its ledger, as they
// would share a real payment provider.
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
	srv := &http.Server{Addr: cfg.Gateway.Addr, Handler: gateway.NewServer(sim), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		// ctx is over by now; the shutdown needs time of its own to let
		// requests in flight finish.
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	a.logger.Info("simulated payment gateway serving", "addr", cfg.Gateway.Addr, "ledger", cfg.Gateway.Ledger)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving gateway: %w", err)
	}
	return nil
}
