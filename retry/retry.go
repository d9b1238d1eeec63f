// Package retry runs an operation again after transient failures, with
// exponential backoff and jitter, so that instances that failed together do
// not retry together.
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Policy is a retry schedule: after attempt n (from 1) it waits between half
// and all of min(Max, Base*2^(n-1)) ("equal jitter": spread out, yet never
// much shorter than the schedule says). Attempts <= 0 retries until the
// context ends.
type Policy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// Permanent marks an error that retrying cannot fix.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanent{err}
}

type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// Do calls op until it succeeds, returns a Permanent error, the attempts run
// out or ctx ends; it returns op's last error (unwrapped from Permanent), and
// onRetry, when not nil, hears of every failure that will be retried.
func Do(ctx context.Context, p Policy, op func(context.Context) error, onRetry func(attempt int, wait time.Duration, err error)) error {
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		var perm *permanent
		if errors.As(err, &perm) {
			return perm.err
		}
		if p.Attempts > 0 && attempt >= p.Attempts {
			return err
		}
		wait := p.Backoff(attempt)
		if onRetry != nil {
			onRetry(attempt, wait, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// Backoff returns the wait after the given failed attempt.
func (p Policy) Backoff(attempt int) time.Duration {
	ceiling := p.Base << min(attempt-1, 30)
	if ceiling <= 0 || (p.Max > 0 && ceiling > p.Max) {
		ceiling = p.Max
	}
	if ceiling <= 0 {
		return 0
	}
	half := ceiling / 2
	return half + time.Duration(rand.Int64N(int64(ceiling-half))+1) //nolint:gosec // G404: jitter spreads retries out; it needs no unpredictability
}
