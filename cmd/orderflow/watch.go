package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"orderflow/notify"
)

// watchConfig is what `orderflow watch` reads: where NATS is, whose
// notifications to show, and as whom to read them.
type watchConfig struct {
	natsConfig
	Customer string
	Token    secret
}

func watchFlags(c *watchConfig, getenv func(string) string, output io.Writer) *envFlags {
	f := newEnvFlags("watch", getenv, output)
	addNATSFlags(f, &c.natsConfig)
	f.fs.StringVar(&c.Customer, "customer", "", "customer id (required)")
	f.Secret(&c.Token, "token", "ORDERFLOW_TOKEN", "the customer's API `token`, to read their notifications as them")
	return f
}

// runWatch prints a customer's notifications as they arrive. With --token it
// connects as the customer and reads through their durable consumer, so a
// customer who was away gets what they missed, once; with the services'
// NATS credentials it reads the stream from the start without consuming.
func runWatch(ctx context.Context, e env, args []string) error {
	var c watchConfig
	if err := watchFlags(&c, e.getenv, e.stderr).parse(args); err != nil {
		return err
	}
	if c.Customer == "" {
		return errors.New("watch: --customer is required")
	}
	nc, err := c.connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	cons, err := c.consumer(ctx, nc)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(e.stderr, "watching %s (Ctrl-C to stop)\n", notify.Subject(c.Customer)); err != nil {
		return fmt.Errorf("watch: printing: %w", err)
	}
	return watch(ctx, cons, e.stdout)
}

// watch prints notifications as they arrive until ctx ends or printing one
// fails. A notification is acknowledged only once printed: one that could
// not be shown is delivered again to the customer's next watch.
func watch(ctx context.Context, cons jetstream.Consumer, w io.Writer) error {
	failed := make(chan error, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if _, err := fmt.Fprintln(w, string(m.Data())); err != nil {
			select {
			case failed <- fmt.Errorf("printing a notification: %w", err):
			default: // the first failure is already stopping the watch
			}
			return
		}
		_ = m.Ack()
	})
	if err != nil {
		return fmt.Errorf("consuming notifications: %w", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case err := <-failed:
		return err
	}
}

// connect connects as the customer when there is a token, else as the
// services.
func (c watchConfig) connect() (*nats.Conn, error) {
	opts := []nats.Option{nats.Name("orderflow-watch"), nats.MaxReconnects(-1)}
	if c.Token != "" {
		opts = append(opts, nats.Token(string(c.Token)), nats.CustomInboxPrefix(notify.InboxPrefix(c.Customer)))
	} else if c.NATSUser != "" {
		opts = append(opts, nats.UserInfo(c.NATSUser, string(c.NATSPass)))
	}
	url := c.clientURL()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to nats %s: %w", url, err)
	}
	return nc, nil
}

// consumer subscribes to the customer's notifications: through their own
// durable consumer with a token, else through an ordered one that consumes
// nothing.
func (c watchConfig) consumer(ctx context.Context, nc *nats.Conn) (jetstream.Consumer, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("opening jetstream: %w", err)
	}
	subject := notify.Subject(c.Customer)
	// NATS does not answer a request it forbids: without a deadline, a token
	// for another customer would wait for ever.
	setup, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var cons jetstream.Consumer
	if c.Token != "" {
		cons, err = js.CreateOrUpdateConsumer(setup, notify.StreamName, jetstream.ConsumerConfig{
			Durable:       c.Customer,
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
		return nil, fmt.Errorf("subscribing to %s (is the token this customer's own?): %w", subject, err)
	}
	return cons, nil
}
