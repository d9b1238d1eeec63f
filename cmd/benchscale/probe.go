package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
	"orderflow/topology"
)

// A stage kind, where a probe order goes in and where its result comes out.
type stageKind struct {
	kind    string
	in, out string
	input   func(o order.Order) any
}

func stageKinds() []stageKind {
	paid := func(o order.Order) events.PaymentSettled {
		pay := &order.Payment{ChargeID: "ch_" + o.ID, AmountCents: o.TotalCents, Currency: o.Currency}
		return events.PaymentSettled{V: codecs.Version, Order: o, Status: order.Paid, Payment: pay, At: time.Now().UTC()}
	}
	return []stageKind{
		{"payment", string(topology.NewOrders), string(topology.PayedOrders), func(o order.Order) any {
			return events.OrderPlaced{V: codecs.Version, Order: o, PaymentToken: "tok_visa"}
		}},
		{"shipping", string(topology.PayedOrders), string(topology.SentOrders), func(o order.Order) any { return paid(o) }},
		{"notifications", string(topology.SentOrders), string(topology.NotifiedOrders), func(o order.Order) any {
			p := paid(o)
			return events.ShipmentSettled{V: codecs.Version, Order: o, Status: order.Shipped, Payment: p.Payment,
				Shipment: &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP" + o.ID}, At: time.Now().UTC()}
		}},
		{"orders", string(topology.NewOrders), string(topology.OrdersTable), func(o order.Order) any {
			return events.OrderPlaced{V: codecs.Version, Order: o, PaymentToken: "tok_visa"}
		}},
	}
}

// probeStage starts a stage with its data in dataDir, writes one new order to
// its input at once and returns the time from the start until the stage's
// result for it appears: how long a restart keeps new orders waiting.
func (b *bench) probeStage(ctx context.Context, k stageKind, dataDir, id string) (*service, time.Duration, error) {
	watch, err := b.watch(k.out, id)
	if err != nil {
		return nil, 0, err
	}
	defer watch.close()
	s, err := b.start(k.kind, dataDir)
	if err != nil {
		return nil, 0, err
	}
	o := b.probeOrder(id)
	if err := b.produce(k.in, id, mustJSON(k.input(o))); err != nil {
		return s, 0, err
	}
	select {
	case <-watch.seen:
		return s, time.Since(s.Started), nil
	case <-time.After(10 * time.Minute):
		return s, 0, fmt.Errorf("orderflow %s produced nothing for %s in 10 minutes", k.kind, id)
	case <-ctx.Done():
		return s, 0, ctx.Err()
	}
}

// probeOrder is a new order named id, placed now.
func (b *bench) probeOrder(id string) order.Order {
	o := b.order(0)
	o.ID, o.CreatedAt = id, time.Now().UTC()
	return o
}

// produce writes one record, keyed and placed as every client of ours does.
func (b *bench) produce(topic, key string, value []byte) error {
	p, err := sarama.NewSyncProducer(b.cfg.brokers, b.sarama)
	if err != nil {
		return fmt.Errorf("connecting producer: %w", err)
	}
	_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(value)})
	return errors.Join(err, p.Close())
}

// watcher reports when a record with a given key appears on a topic.
type watcher struct {
	consumer sarama.Consumer
	parts    []sarama.PartitionConsumer
	seen     chan struct{}
}

// watch follows every partition of topic from its end.
func (b *bench) watch(topic, key string) (*watcher, error) {
	c, err := sarama.NewConsumer(b.cfg.brokers, b.sarama)
	if err != nil {
		return nil, fmt.Errorf("connecting consumer: %w", err)
	}
	w := &watcher{consumer: c, seen: make(chan struct{})}
	ids, err := c.Partitions(topic)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("reading partitions of %s: %w", topic, err), c.Close())
	}
	found := make(chan struct{}, len(ids))
	for _, id := range ids {
		pc, err := c.ConsumePartition(topic, id, sarama.OffsetNewest)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("following %s/%d: %w", topic, id, err)
		}
		w.parts = append(w.parts, pc)
		go func() {
			for m := range pc.Messages() {
				if string(m.Key) == key {
					found <- struct{}{}
				}
			}
		}()
	}
	go func() {
		if _, ok := <-found; ok {
			close(w.seen)
		}
	}()
	return w, nil
}

func (w *watcher) close() {
	for _, pc := range w.parts {
		pc.AsyncClose()
	}
	_ = w.consumer.Close()
}
