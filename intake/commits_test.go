package intake

import (
	"errors"
	"sync"
	"testing"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"
)

// deferring is a context whose deferred commits record their offset, or
// the offset of a record failed (which makes goka stop the processor).
type deferring struct {
	*fakeContext
	mu        *sync.Mutex
	committed *[]int64
	failed    *[]int64
}

func (d deferring) DeferCommit() func(error) {
	return func(err error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if err == nil {
			*d.committed = append(*d.committed, d.offset)
		} else {
			*d.failed = append(*d.failed, d.offset)
		}
	}
}

func TestCommitsReachGokaOnlyAsAFinishedPrefix(t *testing.T) {
	var mu sync.Mutex
	var committed, failed []int64
	c := NewCommits()
	hold := func(topic goka.Stream, partition int32, offset int64) func(error) {
		return c.Hold(deferring{&fakeContext{topic: topic, partition: partition, offset: offset}, &mu, &committed, &failed})
	}
	r0, r1, r2 := hold("new_orders", 3, 10), hold("new_orders", 3, 11), hold("new_orders", 3, 12)
	other := hold("new_orders", 4, 7)
	require.Equal(t, 4, c.Waiting())

	r2(nil)
	r1(nil)
	require.Empty(t, committed, "offset 10's call is still out: nothing after it may commit")
	other(nil)
	require.Equal(t, []int64{7}, committed, "another partition does not wait")
	r0(nil)
	require.Equal(t, []int64{7, 10, 11, 12}, committed)
	r0(nil)
	require.Len(t, committed, 4, "a second done commits nothing again")
	require.Zero(t, c.Waiting())
	require.Empty(t, failed)
}

func TestAFailedRecordFailsWithoutHoldingUpTheRecordsAfterIt(t *testing.T) {
	var mu sync.Mutex
	var committed, failed []int64
	c := NewCommits()
	hold := func(offset int64) func(error) {
		return c.Hold(deferring{&fakeContext{topic: "new_orders", partition: 3, offset: offset}, &mu, &committed, &failed})
	}
	r0, r1 := hold(10), hold(11)
	r1(nil)
	r0(errors.New("table write failed"))
	require.Equal(t, []int64{10}, failed, "goka hears of the failure and stops the processor")
	require.Equal(t, []int64{11}, committed, "the record after it finishes; the session never marks past the failed one (kafka.inOrder)")
	require.Zero(t, c.Waiting())
	r0(nil)
	require.Equal(t, []int64{11}, committed, "a record once failed stays failed")
}
