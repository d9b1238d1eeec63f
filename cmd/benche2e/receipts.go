package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"orderflow/notify"
)

// receipts are the notifications customers received, as the integration
// tests read them: through JetStream, which drops a notification published
// again, so that a duplicate counted here is one a customer would see.
type receipts struct {
	nc   *nats.Conn
	stop func()

	mu   sync.Mutex
	byID map[string]receipt
}

// receipt is when an order's first notification arrived, and how many did.
type receipt struct {
	at time.Time
	n  int
}

func watchReceipts(ctx context.Context, url string) (*receipts, error) {
	nc, err := nats.Connect(url, nats.Name("orderflow-bench-e2e"))
	if err != nil {
		return nil, fmt.Errorf("connecting to nats: %w", err)
	}
	r := &receipts{nc: nc, byID: map[string]receipt{}}
	if err := r.follow(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return r, nil
}

// follow reads every customer's subject from the stream's start.
func (r *receipts) follow(ctx context.Context) error {
	js, err := jetstream.New(r.nc)
	if err != nil {
		return fmt.Errorf("opening jetstream: %w", err)
	}
	stream, err := notify.EnsureStream(ctx, js)
	if err != nil {
		return err
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{notify.SubjectPrefix + ">"},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("following notifications: %w", err)
	}
	cc, err := cons.Consume(r.receive)
	if err != nil {
		return fmt.Errorf("following notifications: %w", err)
	}
	r.stop = cc.Stop
	return nil
}

func (r *receipts) receive(m jetstream.Msg) {
	now := time.Now()
	var msg notify.Message
	if json.Unmarshal(m.Data(), &msg) != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.byID[msg.OrderID]
	if got.n == 0 {
		got.at = now
	}
	got.n++
	r.byID[msg.OrderID] = got
}

func (r *receipts) close() {
	if r.stop != nil {
		r.stop()
	}
	r.nc.Close()
}

// of returns the receipts of ids so far: those that have any, and when the
// last of them arrived.
func (r *receipts) of(ids []string) (got int, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if rc, ok := r.byID[id]; ok {
			got++
			if rc.at.After(last) {
				last = rc.at
			}
		}
	}
	return got, last
}

// get returns the receipt of one order.
func (r *receipts) get(id string) (receipt, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rc, ok := r.byID[id]
	return rc, ok
}

// errStalled is a wait that saw no new notification for too long.
var errStalled = errors.New("no new notification")

// await waits until every one of ids has been notified, or until none more
// arrived for stall, or until limit. It draws progress on bar as it goes and
// returns how many arrived and when the last did.
func (r *receipts) await(ctx context.Context, ids []string, stall, limit time.Duration, bar func(got int)) (int, time.Time, error) {
	deadline := time.Now().Add(limit)
	seen, seenAt := -1, time.Now()
	for {
		got, last := r.of(ids)
		bar(got)
		switch {
		case got == len(ids):
			return got, last, nil
		case got != seen:
			seen, seenAt = got, time.Now()
		case time.Since(seenAt) > stall:
			return got, last, fmt.Errorf("%w for %v: %d of %d notified", errStalled, stall, got, len(ids))
		case time.Now().After(deadline):
			return got, last, fmt.Errorf("%d of %d notified after %v", got, len(ids), limit)
		}
		select {
		case <-ctx.Done():
			return got, last, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
