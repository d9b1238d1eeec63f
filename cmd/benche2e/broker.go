package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"orderflow/internal/benchkit"
)

// usage is what the broker had done at one moment: its CPU time and the end
// offset of every topic, internal ones included, so that two of them give
// the records written and the CPU spent in between.
type usage struct {
	cpu  time.Duration
	ends map[string]int64
}

func (b *bench) usage() (usage, error) {
	pid, err := benchkit.PidFile(b.cfg.pidFile)
	if err != nil {
		return usage{}, err
	}
	cpu, err := benchkit.CPUTime(pid)
	if err != nil {
		return usage{}, err
	}
	ends, err := b.endOffsets()
	return usage{cpu: cpu, ends: ends}, err
}

// endOffsets sums the end offsets of each topic's partitions.
func (b *bench) endOffsets() (map[string]int64, error) {
	if err := b.client.RefreshMetadata(); err != nil {
		return nil, fmt.Errorf("reading topics: %w", err)
	}
	topics, err := b.client.Topics()
	if err != nil {
		return nil, fmt.Errorf("reading topics: %w", err)
	}
	ends := map[string]int64{}
	for _, t := range topics {
		parts, err := b.client.Partitions(t)
		if err != nil {
			return nil, fmt.Errorf("reading partitions of %s: %w", t, err)
		}
		for _, p := range parts {
			end, err := b.client.GetOffset(t, p, sarama.OffsetNewest)
			if err != nil {
				return nil, fmt.Errorf("reading end of %s/%d: %w", t, p, err)
			}
			ends[t] += end
		}
	}
	return ends, nil
}

// spent is what the broker did between u and later.
type spent struct {
	cpu     time.Duration
	records map[string]int64 // by topic, only those written to
}

func (u usage) until(later usage) spent {
	s := spent{cpu: later.cpu - u.cpu, records: map[string]int64{}}
	for t, end := range later.ends {
		if n := end - u.ends[t]; n > 0 {
			s.records[t] = n
		}
	}
	return s
}

func (s spent) total() int64 {
	var n int64
	for _, r := range s.records {
		n += r
	}
	return n
}

// perOrder describes s for n orders: records and broker CPU per order, and
// the records of each topic.
func (s spent) perOrder(n int) string {
	var topics []string
	for _, t := range slices.Sorted(maps.Keys(s.records)) {
		topics = append(topics, fmt.Sprintf("%s %.2f", t, float64(s.records[t])/float64(n)))
	}
	return fmt.Sprintf("%.2f records/order (%s), broker CPU %.3f ms/order",
		float64(s.total())/float64(n), strings.Join(topics, ", "), ms(s.cpu)/float64(n))
}

// settled waits until no topic has grown for a second (the commits and
// table writes that trail the last notification), at most 15 s, and
// returns the broker's usage then.
func (b *bench) settled() (usage, error) {
	prev, err := b.usage()
	for start := time.Now(); err == nil && time.Since(start) < 15*time.Second; {
		time.Sleep(time.Second)
		var now usage
		if now, err = b.usage(); err == nil && maps.Equal(now.ends, prev.ends) {
			return now, nil
		}
		prev = now
	}
	return prev, err
}

// spentSince is what the broker did from before until now, the last
// notification of a run: its CPU until now, when the work is done and
// before an idle broker's own upkeep adds up, and the records until they
// have settled.
func (b *bench) spentSince(before usage) (spent, error) {
	pid, err := benchkit.PidFile(b.cfg.pidFile)
	if err != nil {
		return spent{}, err
	}
	cpu, err := benchkit.CPUTime(pid)
	if err != nil {
		return spent{}, err
	}
	after, err := b.settled()
	if err != nil {
		return spent{}, err
	}
	s := before.until(after)
	s.cpu = cpu - before.cpu
	return s, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
