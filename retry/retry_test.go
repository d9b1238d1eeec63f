package retry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDo(t *testing.T) {
	transient := errors.New("timeout")
	fatal := errors.New("declined")
	policy := Policy{Attempts: 4, Base: time.Microsecond, Max: 10 * time.Microsecond}
	tests := []struct {
		name      string
		failures  []error
		wantErr   error
		wantCalls int
	}{
		{"success on the first try calls once", nil, nil, 1},
		{"transient failures are retried until success", []error{transient, transient}, nil, 3},
		{"attempts run out with the last error", []error{transient, transient, transient, transient, transient}, transient, 4},
		{"a permanent error stops at once", []error{Permanent(fatal)}, fatal, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, retries := 0, 0
			err := Do(context.Background(), policy, func(context.Context) error {
				calls++
				if calls <= len(tt.failures) {
					return tt.failures[calls-1]
				}
				return nil
			}, func(int, time.Duration, error) { retries++ })
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
				var p *permanent
				require.False(t, errors.As(err, &p), "Do unwraps Permanent")
			}
			require.Equal(t, tt.wantCalls, calls)
			require.Equal(t, tt.wantCalls-1, retries)
		})
	}
}

func TestDoStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{Base: time.Hour, Max: time.Hour}, func(context.Context) error {
		calls++
		cancel()
		return errors.New("down")
	}, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, calls)
}

func TestBackoffStaysBetweenHalfAndAllOfTheCeiling(t *testing.T) {
	p := Policy{Base: 10 * time.Millisecond, Max: 80 * time.Millisecond}
	for attempt := 1; attempt < 40; attempt++ {
		ceiling := min(p.Max, p.Base<<min(attempt-1, 30))
		for range 50 {
			w := p.Backoff(attempt)
			require.GreaterOrEqual(t, w, ceiling/2)
			require.LessOrEqual(t, w, ceiling)
		}
	}
}
