package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"orderflow/notify"
)

// runWatch prints a customer's notifications as they arrive. With --token it
// connects as the customer and reads through their durable consumer, so a
// customer who was away gets what they missed, once; with the services'
// NATS credentials it reads the stream from the start without consuming.
func runWatch(ctx context.Context, cfg Config, e env) error {
	if cfg.Customer == "" {
		return fmt.Errorf("watch: --customer is required")
	}
	url := cfg.NATSURL
	if url == "" {
		url = fmt.Sprintf("nats://127.0.0.1:%d", cfg.NATSPort)
	}
	opts := []nats.Option{nats.Name("orderflow-watch"), nats.MaxReconnects(-1)}
	if cfg.Token != "" {
		opts = append(opts, nats.Token(cfg.Token), nats.CustomInboxPrefix(notify.InboxPrefix(cfg.Customer)))
	} else if cfg.NATSUser != "" {
		opts = append(opts, nats.UserInfo(cfg.NATSUser, string(cfg.NATSPass)))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return fmt.Errorf("connecting to nats %s: %w", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("opening jetstream: %w", err)
	}
	subject := notify.Subject(cfg.Customer)
	// NATS does not answer a request it forbids: without a deadline, a token
	// for another customer would wait for ever.
	setup, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var cons jetstream.Consumer
	if cfg.Token != "" {
		cons, err = js.CreateOrUpdateConsumer(setup, notify.StreamName, jetstream.ConsumerConfig{
			Durable:       cfg.Customer,
			FilterSubject: subject,
			AckPolicy:     jetstream.AckExplicitPolicy,
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
	} else {
		cons, err = js.OrderedConsumer(setup, notify.StreamName, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{subject},
			DeliverPolicy:  jetstream.DeliverAllPolicy,
		})
	}
	if err != nil {
		return fmt.Errorf("subscribing to %s (is the token this customer's own?): %w", subject, err)
	}
	fmt.Fprintf(e.stderr, "watching %s (Ctrl-C to stop)\n", subject)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		fmt.Fprintln(e.stdout, string(m.Data()))
		_ = m.Ack()
	})
	if err != nil {
		return fmt.Errorf("consuming notifications: %w", err)
	}
	defer cc.Stop()
	<-ctx.Done()
	return nil
}
