package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/prometheus/client_golang/prometheus"

	"orderflow/auth"
	"orderflow/kafka"
	"orderflow/metrics"
	"orderflow/retry"
)

// app holds what the services of one process share.
type app struct {
	cfg     Config
	logger  *slog.Logger
	goka    *kafka.Goka
	metrics *prometheus.Registry
	ready   *readiness
	tracers *tracers
	groups  *groups

	retriesOnce sync.Once
	retriesV    *metrics.Retries

	verifierOnce sync.Once
	verifierV    *auth.Verifier
	verifierErr  error
}

func newApp(cfg Config, stderr io.Writer) (*app, error) {
	logger := cfg.logger(stderr)
	if err := cfg.KafkaTLS.apply(&cfg.Kafka); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data folder: %w", err)
	}
	g, err := kafka.NewGoka(cfg.Kafka, cfg.DataDir, logger)
	if err != nil {
		return nil, fmt.Errorf("configuring kafka: %w", err)
	}
	reg := metrics.NewRegistry()
	return &app{cfg: cfg, logger: logger, goka: g, metrics: reg, ready: newReadiness(), tracers: newTracers(cfg.Tracing, logger),
		groups: &groups{metrics: metrics.NewGroups(reg), topics: map[goka.Group][]string{}}}, nil
}

// forProcessors prepares a process that runs processors: with static
// membership, they join their groups under the process's instance id.
// Other commands neither need nor keep one.
func (a *app) forProcessors() error {
	id, err := resolveInstanceID(a.cfg.StaticMembership, a.cfg.InstanceID, a.cfg.DataDir)
	if err != nil {
		return err
	}
	a.cfg.Kafka.InstanceID = id
	if a.goka, err = kafka.NewGoka(a.cfg.Kafka, a.cfg.DataDir, a.logger); err != nil {
		return fmt.Errorf("configuring kafka: %w", err)
	}
	a.logger.Info("consumer group membership", "static", id != "", "instance_id", id)
	return nil
}

// errProcessorNotRunning is a processor that is still recovering its
// tables, or is being built again after it stopped.
var errProcessorNotRunning = errors.New("not running: recovering or restarting")

// supervise runs a processor until ctx ends, building it anew whenever it
// stops with an error (Kafka unreachable, a rebalance gone wrong, a callback
// that failed): a service heals itself instead of exiting.
func (a *app) supervise(ctx context.Context, name string, build func() (*goka.Processor, error)) error {
	backoff := retry.Policy{Base: 500 * time.Millisecond, Max: 15 * time.Second}
	var current atomic.Pointer[goka.Processor]
	a.ready.add("processor "+name, func() error {
		if p := current.Load(); p == nil || !p.Recovered() {
			return errProcessorNotRunning
		}
		return nil
	})
	for attempt := 1; ; attempt++ {
		started := time.Now()
		p, err := build()
		if err == nil {
			current.Store(p)
			a.logger.Info("processor running", "stage", name)
			err = p.Run(ctx)
		}
		if ctx.Err() != nil {
			a.logger.Info("processor stopped", "stage", name)
			return nil
		}
		if time.Since(started) > time.Minute {
			attempt = 1
		}
		wait := backoff.Backoff(attempt)
		if fenced(err) {
			a.logger.Error("another running process has this one's group instance id; give each its own DATA_DIR or INSTANCE_ID",
				"stage", name, "instance_id", a.cfg.Kafka.InstanceID)
		}
		a.logger.Error("processor stopped; restarting", "stage", name, "error", err, "wait", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// ensureTopics creates the topics, retrying while Kafka is still starting.
func (a *app) ensureTopics(ctx context.Context) error {
	return retry.Do(ctx, retry.Policy{Attempts: 30, Base: 200 * time.Millisecond, Max: 2 * time.Second}, func(ctx context.Context) error {
		return kafka.EnsureTopics(ctx, a.cfg.Kafka, a.logger)
	}, func(attempt int, wait time.Duration, err error) {
		a.logger.Warn("creating topics failed; retrying", "attempt", attempt, "error", err)
	})
}

func (a *app) localDir(parts ...string) string {
	return filepath.Join(append([]string{a.cfg.DataDir}, parts...)...)
}
