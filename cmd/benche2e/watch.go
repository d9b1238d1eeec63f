package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// keyWatch counts the records on a topic whose keys start with a prefix,
// from the topic's end on: a stage's output for one run, such as payment's
// on payed_orders.
type keyWatch struct {
	consumer sarama.Consumer
	parts    []sarama.PartitionConsumer

	mu   sync.Mutex
	keys map[string]bool
	last time.Time
}

func (b *bench) watchKeys(topic, prefix string) (*keyWatch, error) {
	c, err := sarama.NewConsumerFromClient(b.client)
	if err != nil {
		return nil, fmt.Errorf("connecting consumer: %w", err)
	}
	w := &keyWatch{consumer: c, keys: map[string]bool{}}
	ids, err := c.Partitions(topic)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("reading partitions of %s: %w", topic, err), c.Close())
	}
	for _, id := range ids {
		pc, err := c.ConsumePartition(topic, id, sarama.OffsetNewest)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("following %s/%d: %w", topic, id, err)
		}
		w.parts = append(w.parts, pc)
		go w.count(pc, prefix)
	}
	return w, nil
}

func (w *keyWatch) count(pc sarama.PartitionConsumer, prefix string) {
	for m := range pc.Messages() {
		if !strings.HasPrefix(string(m.Key), prefix) {
			continue
		}
		w.mu.Lock()
		if !w.keys[string(m.Key)] {
			w.keys[string(m.Key)], w.last = true, time.Now()
		}
		w.mu.Unlock()
	}
}

// seen is how many keys appeared and when the last new one did.
func (w *keyWatch) seen() (int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.keys), w.last
}

func (w *keyWatch) close() {
	for _, pc := range w.parts {
		pc.AsyncClose()
	}
	_ = w.consumer.Close()
}
