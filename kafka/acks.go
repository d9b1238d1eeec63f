package kafka

import (
	"fmt"
	"sync"

	"github.com/lovoo/goka"
)

// Acks follows a processor's writes to one topic, its group table, until
// the broker acknowledges them, so that an effect outside Kafka can wait for
// the record that tells of it.
//
// goka writes the table asynchronously: ctx.SetValue returns before the
// broker has the record, and the producer may hold it a few milliseconds
// to fill a batch. A stage that records a call in its table and then makes
// it could otherwise make the call and crash before the record is out;
// after the restart the table shows no call, and the stage may decide as
// if none was made (payment's "cancelled before any charge").
type Acks struct {
	topic string

	mu      sync.Mutex
	pending map[string]*goka.Promise // key -> its latest write not yet acknowledged
}

// NewAcks returns the acknowledgements of writes to topic.
func NewAcks(topic goka.Table) *Acks {
	return &Acks{topic: string(topic), pending: map[string]*goka.Promise{}}
}

// Unacked returns a wait for key's latest write to the topic that the
// broker has not acknowledged yet, or nil if there is none. The wait
// returns the write's error. It always ends: the producer answers every
// write, once its retries are spent at the latest, and before it closes.
//
// It is taken when the effect is decided, inside the callback that wrote
// the record: a later write of the key does not make the effect wait longer.
func (a *Acks) Unacked(key string) func() error {
	a.mu.Lock()
	p := a.pending[key]
	a.mu.Unlock()
	if p == nil {
		return nil
	}
	return func() error {
		done := make(chan error, 1)
		p.Then(func(err error) { done <- err })
		if err := <-done; err != nil {
			return fmt.Errorf("writing %s's record to %s: %w", key, a.topic, err)
		}
		return nil
	}
}

// Wrap returns p with its writes to the topic followed. Each processor
// gets a new producer: what an earlier one left, a failed write among it,
// is forgotten.
func (a *Acks) Wrap(p goka.Producer) goka.Producer {
	a.mu.Lock()
	a.pending = map[string]*goka.Promise{}
	a.mu.Unlock()
	return ackingProducer{p, a}
}

// follow records promise as key's latest write until the broker has it. A
// write that failed is kept, so that an effect decided after the failure
// still finds it, until the processor that failed with it is replaced.
func (a *Acks) follow(key string, promise *goka.Promise) {
	a.mu.Lock()
	a.pending[key] = promise
	a.mu.Unlock()
	// Not under a.mu: a promise runs its callbacks under its own lock, and
	// this one takes a.mu.
	promise.Then(func(err error) {
		if err != nil {
			return
		}
		a.mu.Lock()
		if a.pending[key] == promise {
			delete(a.pending, key)
		}
		a.mu.Unlock()
	})
}

// ackingProducer is a goka producer whose writes to the followed topic
// are recorded in its Acks.
type ackingProducer struct {
	goka.Producer
	acks *Acks
}

func (p ackingProducer) Emit(topic, key string, value []byte) *goka.Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

func (p ackingProducer) EmitWithHeaders(topic, key string, value []byte, headers goka.Headers) *goka.Promise {
	promise := p.Producer.EmitWithHeaders(topic, key, value, headers)
	if topic == p.acks.topic {
		p.acks.follow(key, promise)
	}
	return promise
}
