package intake

import (
	"sync"
	"testing"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"
)

// deferring is a context whose deferred commits record their offset.
type deferring struct {
	*fakeContext
	mu        *sync.Mutex
	committed *[]int64
}

func (d deferring) DeferCommit() func(error) {
	return func(err error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if err == nil {
			*d.committed = append(*d.committed, d.offset)
		}
	}
}

func TestCommitsReachGokaOnlyAsAFinishedPrefix(t *testing.T) {
	var mu sync.Mutex
	var committed []int64
	c := NewCommits()
	hold := func(topic goka.Stream, partition int32, offset int64) func() {
		return c.Hold(deferring{&fakeContext{topic: topic, partition: partition, offset: offset}, &mu, &committed})
	}
	r0, r1, r2 := hold("new_orders", 3, 10), hold("new_orders", 3, 11), hold("new_orders", 3, 12)
	other := hold("new_orders", 4, 7)
	require.Equal(t, 4, c.Waiting())

	r2()
	r1()
	require.Empty(t, committed, "offset 10's call is still out: nothing after it may commit")
	other()
	require.Equal(t, []int64{7}, committed, "another partition does not wait")
	r0()
	require.Equal(t, []int64{7, 10, 11, 12}, committed)
	r0()
	require.Len(t, committed, 4, "a second done commits nothing again")
	require.Zero(t, c.Waiting())
}
