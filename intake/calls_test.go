package intake

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"orderflow/events"
)

// callsRig runs Calls the way a processor does, with records of one
// partition, a gateway whose answers the test releases one by one, and an
// emitter that records the answers.
type callsRig struct {
	t     *testing.T
	calls *Calls

	mu        sync.Mutex
	committed []int64
	failed    []int64 // records whose failure stops the processor
	answers   []events.CallAnswered
	made      map[string]int
	release   map[string]chan error
}

func newCallsRig(t *testing.T, ctx context.Context, inFlight int) *callsRig {
	r := &callsRig{t: t, made: map[string]int{}, release: map[string]chan error{}}
	r.calls = NewCalls(CallsConfig{
		Context: ctx, InFlight: inFlight,
		Passing: func(err error) bool { return errors.Is(err, errPassing) },
		Emitter: func(key string, value []byte, h goka.Headers) error {
			var a events.CallAnswered
			require.NoError(t, json.Unmarshal(value, &a))
			require.Equal(t, events.RecordAnswer, string(h[events.HeaderRecord]))
			r.mu.Lock()
			defer r.mu.Unlock()
			r.answers = append(r.answers, a)
			return nil
		},
	})
	return r
}

var errPassing = errors.New("gateway unavailable")

// record processes one record at offset for key; when call is set, the
// record starts that call, which answers once the test releases it.
func (r *callsRig) record(offset int64, key string, call bool) {
	for r.waiting(key) { // the gateway's channel of an earlier call of key
		time.Sleep(time.Millisecond)
	}
	r.mu.Lock()
	release := make(chan error, 1)
	if call {
		r.release[key] = release
	}
	r.mu.Unlock()
	ctx := committing{&fakeContext{ctx: context.Background(), topic: "new_orders", partition: 2, offset: offset, key: key}, r}
	r.calls.Wrap(func(ctx goka.Context, _ any) {
		if !call {
			return
		}
		c := events.Call{Action: "charge", StartedBy: Source(ctx)}
		r.calls.Start(ctx, c, []byte(`{}`), func(context.Context) (any, error) {
			r.mu.Lock()
			r.made[key]++
			r.mu.Unlock()
			return map[string]bool{"approved": true}, <-release
		})
	})(ctx, nil)
}

func (r *callsRig) waiting(string) bool { return false }

func (r *callsRig) answer(key string, err error) {
	r.mu.Lock()
	ch := r.release[key]
	r.mu.Unlock()
	ch <- err
}

func (r *callsRig) eventually(what string, cond func() bool) {
	r.t.Helper()
	require.Eventually(r.t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return cond()
	}, 5*time.Second, time.Millisecond, what)
}

// committing is a context whose deferred commits record their offsets.
type committing struct {
	*fakeContext
	rig *callsRig
}

func (c committing) DeferCommit() func(error) {
	return func(err error) {
		c.rig.mu.Lock()
		defer c.rig.mu.Unlock()
		if err == nil {
			c.rig.committed = append(c.rig.committed, c.offset)
		} else {
			c.rig.failed = append(c.rig.failed, c.offset)
		}
	}
}

func TestCallsKeepManyOrdersInFlightAndCommitOnlyTheFinishedPrefix(t *testing.T) {
	r := newCallsRig(t, context.Background(), 8)
	r.record(0, "a", true)
	r.record(1, "b", true)
	r.record(2, "c", false) // a cancel, say: no call
	r.eventually("both calls out at once", func() bool { return r.made["a"] == 1 && r.made["b"] == 1 })

	r.answer("b", nil)
	r.eventually("b answered", func() bool { return len(r.answers) == 1 })
	require.Equal(t, "b", r.answers[0].OrderID)
	require.Empty(t, r.committed, "a's call is still out: nothing after offset 0 commits")

	r.answer("a", errPassing)
	r.eventually("all committed, in order", func() bool { return len(r.committed) == 3 })
	require.ElementsMatch(t, []int64{0, 1, 2}, r.committed)
	require.Equal(t, events.OutcomePassing, r.answers[1].Outcome)
	require.Equal(t, events.OutcomeOK, r.answers[0].Outcome)
	require.JSONEq(t, `{"approved":true}`, string(r.answers[0].Result))
}

func TestACallStillOutIsNotMadeAgain(t *testing.T) {
	for _, tt := range []struct {
		name   string
		offset int64
	}{
		// A rebalance within the process, say.
		{"the same record again", 0},
		// A client wrote the order twice: a stage that leaves a first call
		// unrecorded starts the same call again.
		{"a copy of the input at another offset", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newCallsRig(t, context.Background(), 8)
			r.record(0, "a", true)
			r.eventually("the call is out", func() bool { return r.made["a"] == 1 })
			ctx := committing{&fakeContext{ctx: context.Background(), topic: "new_orders", partition: 2, offset: tt.offset, key: "a"}, r}
			r.calls.Wrap(func(ctx goka.Context, _ any) {
				r.calls.Start(ctx, events.Call{Action: "charge", StartedBy: Source(ctx)}, []byte(`{}`), func(context.Context) (any, error) {
					t.Error("a call still out was made again")
					return nil, nil
				})
			})(ctx, nil)
			r.mu.Lock()
			require.Empty(t, r.committed, "nothing commits while the call is out")
			r.mu.Unlock()
			r.answer("a", nil)
			r.eventually("one answer, both committed", func() bool { return len(r.answers) == 1 && len(r.committed) == 2 })
			require.Equal(t, "new_orders/2@0", r.answers[0].StartedBy)
		})
	}
}

func TestCallsCutShortByAStopAnswerInterrupted(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	r := newCallsRig(t, ctx, 8)
	r.record(0, "a", true)
	r.eventually("the call is out", func() bool { return r.made["a"] == 1 })
	stop()
	r.answer("a", context.Canceled)
	r.eventually("answered and committed", func() bool { return len(r.answers) == 1 && len(r.committed) == 1 })
	require.Equal(t, events.OutcomeInterrupted, r.answers[0].Outcome)
}

func TestTheCapOnCallsOutHoldsTheNextRecord(t *testing.T) {
	r := newCallsRig(t, context.Background(), 1)
	r.record(0, "a", true)
	r.eventually("a's call is out", func() bool { return r.made["a"] == 1 })
	started := make(chan struct{})
	go func() {
		r.record(1, "b", true)
		close(started)
	}()
	select {
	case <-started:
		t.Fatal("a second call started past a cap of one")
	case <-time.After(50 * time.Millisecond):
	}
	r.answer("a", nil)
	<-started
	r.eventually("b's call made once a's answered", func() bool { return r.made["b"] == 1 })
	r.answer("b", nil)
	r.eventually("both committed", func() bool { return len(r.committed) == 2 })
}

func TestAnAnswerIsInterruptedOnlyByAStop(t *testing.T) {
	c := NewCalls(CallsConfig{Passing: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }})
	running := context.Background()
	outcome := func(ctx context.Context, err error) string {
		return c.answer(ctx, "o1", events.Call{Action: "charge", StartedBy: "new_orders/0@1"}, []byte(`{}`), nil, err).Outcome
	}
	require.Equal(t, events.OutcomePassing, outcome(running, context.DeadlineExceeded), "a timeout of a running processor is the gateway's")
	require.Equal(t, events.OutcomeFailed, outcome(running, errors.New("card refused")))
	require.Equal(t, events.OutcomeOK, outcome(running, nil))
	stopping, stop := context.WithCancel(context.Background())
	stop()
	require.Equal(t, events.OutcomeInterrupted, outcome(stopping, context.Canceled))
	require.Equal(t, events.OutcomeOK, outcome(stopping, nil), "an answer that came is an answer")
}

func TestACallIsMadeOnlyOnceTheBrokerHasItsRecord(t *testing.T) {
	for _, tt := range []struct {
		name string
		ack  error
		made int
	}{
		{"the record written", nil, 1},
		// The record fails, which stops the processor; it comes again to
		// whoever owns the partition next.
		{"the record's write failed", errors.New("broker gone"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newCallsRig(t, context.Background(), 8)
			acked := make(chan error, 1)
			r.calls.cfg.Unacked = func(key string) func() error {
				require.Equal(t, "a", key)
				return func() error { return <-acked }
			}
			r.record(0, "a", true)
			time.Sleep(50 * time.Millisecond)
			r.mu.Lock()
			require.Zero(t, r.made["a"], "called before its record was on the broker")
			r.mu.Unlock()

			acked <- tt.ack
			if tt.made == 1 {
				r.eventually("called once acknowledged", func() bool { return r.made["a"] == 1 })
				r.answer("a", nil)
				r.eventually("answered and committed", func() bool { return len(r.answers) == 1 && len(r.committed) == 1 })
				return
			}
			r.eventually("the record failed", func() bool { return len(r.failed) == 1 })
			r.mu.Lock()
			defer r.mu.Unlock()
			require.Zero(t, r.made["a"], "called though its record was lost")
			require.Empty(t, r.answers, "an answer to a call not made")
			require.Empty(t, r.committed, "the record must come again")
			r.calls.mu.Lock()
			defer r.calls.mu.Unlock()
			require.Empty(t, r.calls.out, "the call is not out")
		})
	}
}

func TestAStopDoesNotLeaveACallWaitingForItsRecordUncommitted(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	r := newCallsRig(t, ctx, 8)
	acked := make(chan error, 1)
	r.calls.cfg.Unacked = func(string) func() error {
		return func() error { return <-acked }
	}
	r.record(0, "a", true)
	stop()
	// goka's producer sends what it holds before it closes.
	acked <- nil
	r.eventually("the call goes on", func() bool { return r.made["a"] == 1 })
	r.answer("a", context.Canceled)
	r.eventually("answered as interrupted and committed", func() bool { return len(r.answers) == 1 && len(r.committed) == 1 })
	require.Equal(t, events.OutcomeInterrupted, r.answers[0].Outcome)
}
