package benchkit

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentilesTakeTheNearestRank(t *testing.T) {
	var l Latencies
	for i := 100; i >= 1; i-- {
		l.Add(time.Duration(i) * time.Millisecond)
	}
	s := l.Sorted()
	require.Equal(t, 50*time.Millisecond, s.P(50))
	require.Equal(t, 99*time.Millisecond, s.P(99))
	require.Equal(t, 100*time.Millisecond, s.Max())
	require.Zero(t, Sorted(nil).P(50))
}

func TestTheHistogramShowsTheBucketsFromTheFirstToTheLastThatHoldAny(t *testing.T) {
	s := Sorted{3 * time.Millisecond, 4 * time.Millisecond, 40 * time.Millisecond, time.Minute}
	var b strings.Builder
	require.NoError(t, s.WriteHistogram(&b, ""))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, len(bounds)-1, "from <= 5ms to > 30s")
	require.Contains(t, lines[0], "<= 5ms")
	require.Contains(t, lines[0], " 2  50.0% "+strings.Repeat("#", barWidth))
	require.Contains(t, lines[len(lines)-1], "> 30s")
}

func TestAnEmptyHistogramSaysSo(t *testing.T) {
	var b strings.Builder
	require.NoError(t, Sorted(nil).WriteHistogram(&b, "  "))
	require.Equal(t, "  (no latencies)\n", b.String())
}
