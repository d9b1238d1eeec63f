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
func runGateway(ctx context.Context, cfg Config, e env) error {
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	sim, err := gateway.NewSimulated(cfg.Gateway.Ledger)
	if err != nil {
		return err
	}
	defer sim.Close()
	srv := &http.Server{Addr: cfg.Gateway.Addr, Handler: gateway.NewServer(sim), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	a.logger.Info("simulated payment gateway serving", "addr", cfg.Gateway.Addr, "ledger", cfg.Gateway.Ledger)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving gateway: %w", err)
	}
	return nil
}
