package main

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"orderflow/notify"
)

// runWatch prints a customer's notifications, from the first one JetStream
// keeps, as they arrive.
func runWatch(ctx context.Context, cfg Config, e env) error {
	if cfg.Customer == "" {
		return fmt.Errorf("watch: --customer is required")
	}
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	url := cfg.NATSURL
	if url == "" {
		url = fmt.Sprintf("nats://127.0.0.1:%d", cfg.NATSPort)
	}
	nc, err := a.connectNATS(url, "orderflow-watch")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("opening jetstream: %w", err)
	}
	stream, err := notify.EnsureStream(ctx, js)
	if err != nil {
		return err
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{notify.Subject(cfg.Customer)},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("subscribing to %s: %w", notify.Subject(cfg.Customer), err)
	}
	fmt.Fprintf(e.stderr, "watching %s (Ctrl-C to stop)\n", notify.Subject(cfg.Customer))
	cc, err := cons.Consume(func(m jetstream.Msg) {
		fmt.Fprintln(e.stdout, string(m.Data()))
	})
	if err != nil {
		return fmt.Errorf("consuming notifications: %w", err)
	}
	defer cc.Stop()
	<-ctx.Done()
	return nil
}
