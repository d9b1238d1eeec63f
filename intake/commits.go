package intake

import (
	"sync"

	"github.com/lovoo/goka"
)

// Commits holds back the commits of records whose work goes on after their
// callback returned (a call to the outside world, answered later on the
// group's loopback topic), and lets goka commit a partition's records only
// in offset order.
//
// goka commits a record by marking its offset, and sarama's marks only move
// forward: were a later record of the partition committed while an earlier
// one's call is still out, a crash would skip the earlier one for good.
// So every record of a stage that calls out is held here, and a record is
// committed only once it and every earlier record of its topic-partition
// are done: the finished prefix.
type Commits struct {
	mu    sync.Mutex
	parts map[partitionKey][]*held
}

type partitionKey struct {
	topic     string
	partition int32
}

// held is one record's commit, waiting for its work and its predecessors.
type held struct {
	commit func(error)
	done   bool
	failed bool // its commit was failed: goka never marks it
}

// NewCommits returns an empty Commits.
func NewCommits() *Commits {
	return &Commits{parts: map[partitionKey][]*held{}}
}

// Hold defers the commit of the record being processed and returns the
// function that says its work is done. Call it exactly once (more calls do
// nothing); the record is committed when all earlier ones of its partition
// are done too. goka delivers a partition's records in offset order, so
// the order of Hold calls is the offset order.
//
// done with an error fails the record instead, which makes goka stop the
// processor. The records after it still finish, so that goka's drain does
// not wait for them, but the offset never moves past the failed record:
// the consumer session marks only a partition's finished prefix
// (kafka.inOrder), and goka never marks a failed record.
func (c *Commits) Hold(ctx goka.Context) (done func(error)) {
	h := &held{commit: ctx.DeferCommit()}
	k := partitionKey{string(ctx.Topic()), ctx.Partition()}
	c.mu.Lock()
	c.parts[k] = append(c.parts[k], h)
	c.mu.Unlock()
	var once sync.Once
	return func(err error) {
		once.Do(func() {
			if err != nil {
				h.commit(err)
				h.failed = true
			}
			c.release(k, h)
		})
	}
}

// release marks h done and commits the finished prefix of its partition.
// Every record of the prefix is finished, so the order in which their
// commits then reach goka does not matter.
func (c *Commits) release(k partitionKey, h *held) {
	c.mu.Lock()
	h.done = true
	q := c.parts[k]
	n := 0
	for n < len(q) && q[n].done {
		n++
	}
	ready := q[:n:n]
	if n == len(q) {
		delete(c.parts, k)
	} else {
		c.parts[k] = q[n:]
	}
	c.mu.Unlock()
	for _, r := range ready {
		if !r.failed {
			r.commit(nil)
		}
	}
}

// Waiting returns how many records are held, for a gauge.
func (c *Commits) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, q := range c.parts {
		n += len(q)
	}
	return n
}
