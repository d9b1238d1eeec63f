package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lovoo/goka"
	"github.com/nats-io/nats.go"

	"orderflow/gateway"
	"orderflow/metrics"
	"orderflow/notify"
	"orderflow/processors/notifications"
	"orderflow/processors/orders"
	"orderflow/processors/payment"
	"orderflow/processors/shipping"
	"orderflow/retry"
)

func (a *app) runPayment(ctx context.Context) error {
	var gw payment.Gateway
	if a.cfg.Gateway.URL != "" {
		gw = gateway.NewClient(a.cfg.Gateway.URL)
	} else {
		sim, err := gateway.NewSimulated(a.cfg.Gateway.Ledger)
		if err != nil {
			return err
		}
		defer sim.Close()
		gw = sim
	}
	cfg := payment.Config{Gateway: gw, Logger: a.logger, Retry: a.cfg.Retry, MaxRecordBytes: a.cfg.Kafka.MaxRecordBytes, Now: time.Now}
	return a.supervise(ctx, string(payment.Group), func() (*goka.Processor, error) {
		return payment.New(a.goka.Brokers(), cfg, a.goka.Processor(payment.Group)...)
	})
}

func (a *app) runShipping(ctx context.Context) error {
	cfg := shipping.Config{Logger: a.logger, MaxRecordBytes: a.cfg.Kafka.MaxRecordBytes, Now: time.Now}
	return a.supervise(ctx, string(shipping.Group), func() (*goka.Processor, error) {
		return shipping.New(a.goka.Brokers(), cfg, a.goka.Processor(shipping.Group)...)
	})
}

func (a *app) runOrders(ctx context.Context) error {
	cfg := orders.Config{Logger: a.logger, MaxRecordBytes: a.cfg.Kafka.MaxRecordBytes, Metrics: metrics.NewPipeline(a.metrics)}
	return a.supervise(ctx, string(orders.Group), func() (*goka.Processor, error) {
		return orders.New(a.goka.Brokers(), cfg, a.goka.Processor(orders.Group)...)
	})
}

func (a *app) runNotifications(ctx context.Context, natsURL string) error {
	nc, err := a.connectNATS(natsURL, "orderflow-notifications")
	if err != nil {
		return err
	}
	defer nc.Close()
	var pub *notify.Publisher
	// The stream is created once NATS answers; until then nothing can be
	// delivered anyway.
	err = retry.Do(ctx, retry.Policy{Base: 200 * time.Millisecond, Max: 5 * time.Second}, func(ctx context.Context) error {
		var err error
		pub, err = notify.NewPublisher(ctx, nc)
		return err
	}, func(attempt int, wait time.Duration, err error) {
		a.logger.Warn("nats not ready; retrying", "attempt", attempt, "error", err)
	})
	if err != nil {
		return fmt.Errorf("preparing notifications: %w", err)
	}
	// Attempts 0: while NATS is down notifications wait, they are never
	// dropped; the backoff keeps a dead server from being hammered.
	cfg := notifications.Config{Notifier: pub, Logger: a.logger, MaxRecordBytes: a.cfg.Kafka.MaxRecordBytes, Now: time.Now,
		Retry: retry.Policy{Base: a.cfg.Retry.Base, Max: a.cfg.Retry.Max}}
	return a.supervise(ctx, string(notifications.Group), func() (*goka.Processor, error) {
		return notifications.New(a.goka.Brokers(), cfg, a.goka.Processor(notifications.Group)...)
	})
}

// connectNATS connects and keeps reconnecting for as long as the process
// lives.
func (a *app) connectNATS(url, name string) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			a.logger.Warn("nats disconnected", "error", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { a.logger.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	}
	if a.cfg.NATSUser != "" {
		opts = append(opts, nats.UserInfo(a.cfg.NATSUser, string(a.cfg.NATSPass)))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to nats %s: %w", url, err)
	}
	return nc, nil
}
