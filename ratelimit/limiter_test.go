package ratelimit_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/ratelimit"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newLimiter(t *testing.T, rate float64, burst, maxKeys int, clock *fakeClock) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(ratelimit.Config{Rate: rate, Burst: burst, MaxKeys: maxKeys, Now: clock.Now})
	require.NoError(t, err)
	return l
}

// drain makes requests for key until one is refused, and returns how many
// were allowed and the refusal's retryAfter.
func drain(t *testing.T, l *ratelimit.Limiter, key string) (int, time.Duration) {
	t.Helper()
	for n := 0; n < 1_000; n++ {
		if ok, retryAfter := l.Allow(key); !ok {
			return n, retryAfter
		}
	}
	t.Fatal("limiter never refused")
	return 0, 0
}

func TestLimiterAllowsTheBurstThenRefuses(t *testing.T) {
	tests := []struct {
		name       string
		rate       float64
		burst      int
		retryAfter time.Duration
	}{
		{"one a second with a burst of one waits a second", 1, 1, time.Second},
		{"ten a second with a burst of five waits a tenth", 10, 5, 100 * time.Millisecond},
		{"one a minute with a burst of three waits a minute", 1.0 / 60, 3, time.Minute},
		{"a hundred a second with a burst of fifty waits 10ms", 100, 50, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(t, tc.rate, tc.burst, 0, newFakeClock())

			allowed, retryAfter := drain(t, l, "c-1")

			require.Equal(t, tc.burst, allowed)
			require.Equal(t, tc.retryAfter, retryAfter)
		})
	}
}

func TestLimiterRefillsAsTimePasses(t *testing.T) {
	tests := []struct {
		name    string
		wait    time.Duration
		allowed int
	}{
		{"nothing comes back just before the interval", 99 * time.Millisecond, 0},
		{"one token comes back after one interval", 100 * time.Millisecond, 1},
		{"three tokens come back after three intervals", 350 * time.Millisecond, 3},
		{"the bucket refills to the burst and no further", time.Hour, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			l := newLimiter(t, 10, 5, 0, clock)
			drain(t, l, "c-1")

			clock.Advance(tc.wait)
			allowed, _ := drain(t, l, "c-1")

			require.Equal(t, tc.allowed, allowed)
		})
	}
}

func TestLimiterRetryAfterIsWhenATokenIsBack(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(t, 3, 2, 0, clock)
	drain(t, l, "c-1")

	clock.Advance(100 * time.Millisecond)
	ok, retryAfter := l.Allow("c-1")
	require.False(t, ok)

	clock.Advance(retryAfter - time.Nanosecond)
	ok, _ = l.Allow("c-1")
	require.False(t, ok, "one nanosecond early is still early")
	clock.Advance(time.Nanosecond)
	ok, _ = l.Allow("c-1")
	require.True(t, ok)
}

func TestLimiterKeysAreIndependent(t *testing.T) {
	l := newLimiter(t, 1, 2, 0, newFakeClock())

	allowedA, _ := drain(t, l, "alice")
	allowedB, _ := drain(t, l, "bob")
	ok, _ := l.Allow("alice")

	require.Equal(t, 2, allowedA)
	require.Equal(t, 2, allowedB, "alice using up her burst leaves bob's alone")
	require.False(t, ok)
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	t.Run("the number of keys never exceeds MaxKeys", func(t *testing.T) {
		l := newLimiter(t, 1, 1, 100, newFakeClock())
		for i := range 10_000 {
			l.Allow(fmt.Sprint("addr-", i))
			require.LessOrEqual(t, l.Len(), 100)
		}
	})
	t.Run("keys whose buckets refilled are forgotten as new keys arrive", func(t *testing.T) {
		clock := newFakeClock()
		l := newLimiter(t, 1, 5, 1_000, clock)
		for i := range 100 {
			l.Allow(fmt.Sprint("old-", i))
		}
		clock.Advance(500 * time.Millisecond)
		l.Allow("new-0")
		require.Equal(t, 101, l.Len(), "half a second does not refill the token each key took")

		clock.Advance(time.Second)
		for i := range 30 {
			l.Allow(fmt.Sprint("new-", i+1))
		}
		require.Less(t, l.Len(), 40, "idle keys leave faster than new ones arrive")
	})
	t.Run("the least recently used key is the one evicted at the cap", func(t *testing.T) {
		l := newLimiter(t, 1, 1, 2, newFakeClock())
		l.Allow("a")
		l.Allow("b")
		l.Allow("a") // refused, but a is now more recent than b
		l.Allow("c") // evicts b

		okA, _ := l.Allow("a")
		okB, _ := l.Allow("b") // forgotten, so b has a fresh bucket
		require.False(t, okA)
		require.True(t, okB)
	})
}

func TestLimiterIsSafeForConcurrentUse(t *testing.T) {
	l := newLimiter(t, 1, 50, 0, newFakeClock())
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if ok, _ := l.Allow("shared"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()

	require.Equal(t, 50, allowed, "the frozen clock lets exactly one burst through")
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ratelimit.Config
		want string
	}{
		{"a zero rate is refused", ratelimit.Config{Rate: 0, Burst: 1}, "rate"},
		{"a negative rate is refused", ratelimit.Config{Rate: -1, Burst: 1}, "rate"},
		{"a rate above one a nanosecond is refused", ratelimit.Config{Rate: 2e9, Burst: 1}, "rate"},
		{"a zero burst is refused", ratelimit.Config{Rate: 1, Burst: 0}, "burst"},
		{"a window of centuries is refused", ratelimit.Config{Rate: 1e-9, Burst: 1_000}, "window"},
		{"a negative key cap is refused", ratelimit.Config{Rate: 1, Burst: 1, MaxKeys: -1}, "max keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ratelimit.New(tc.cfg)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
