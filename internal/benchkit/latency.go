package benchkit

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Latencies collects durations from many goroutines and describes them by
// percentiles and a histogram.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// Sorted returns the durations so far, shortest first.
func (l *Latencies) Sorted() Sorted {
	l.mu.Lock()
	s := slices.Clone(l.d)
	l.mu.Unlock()
	slices.Sort(s)
	return s
}

// Sorted is a set of durations, shortest first.
type Sorted []time.Duration

// P is the q-th percentile (nearest rank), 0 when there are none.
func (s Sorted) P(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[int(float64(len(s)-1)*q/100)]
}

// Max is the longest, 0 when there are none.
func (s Sorted) Max() time.Duration { return s.P(100) }

// bounds are the histogram's bucket limits: 1-2-5 steps, which a reader
// takes in at a glance. The last bucket holds everything longer.
var bounds = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
}

// buckets counts the durations up to each bound; the last count is for
// those above every bound.
func (s Sorted) buckets() []int {
	counts := make([]int, len(bounds)+1)
	for _, d := range s {
		i, _ := slices.BinarySearch(bounds, d)
		counts[i]++
	}
	return counts
}

// barWidth is the longest bar of a histogram, in characters.
const barWidth = 40

// WriteHistogram draws the durations as one line per bucket, from the
// first bucket that holds any to the last, each with its count, share and
// a bar.
func (s Sorted) WriteHistogram(w io.Writer, indent string) error {
	counts := s.buckets()
	first, last := slices.IndexFunc(counts, func(n int) bool { return n > 0 }), len(counts)-1
	if first < 0 {
		_, err := fmt.Fprintf(w, "%s(no latencies)\n", indent)
		return err
	}
	for counts[last] == 0 {
		last--
	}
	most := slices.Max(counts)
	for i := first; i <= last; i++ {
		label := "> " + bounds[len(bounds)-1].String()
		if i < len(bounds) {
			label = "<= " + bounds[i].String()
		}
		bar := strings.Repeat("#", (counts[i]*barWidth+most-1)/most)
		share := 100 * float64(counts[i]) / float64(len(s))
		if _, err := fmt.Fprintf(w, "%s%8s %8d %5.1f%% %s\n", indent, label, counts[i], share, bar); err != nil {
			return err
		}
	}
	return nil
}
