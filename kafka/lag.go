package kafka

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// LagReader reads how far consumer groups are behind, from the brokers: per
// partition, the end offset minus the group's committed offset. Unlike goka's
// processor stats, which know only the partitions a process owns, this sees
// every partition, including those of an instance that died.
type LagReader struct {
	admin      sarama.ClusterAdmin
	partitions int32
}

// NewLagReader connects to the brokers of cfg. Every topic has
// cfg.Partitions partitions.
func NewLagReader(cfg Config) (*LagReader, error) {
	sc, err := cfg.Sarama("orderflow-lag")
	if err != nil {
		return nil, err
	}
	admin, err := sarama.NewClusterAdmin(cfg.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("connecting to read the consumer lag: %w", err)
	}
	return &LagReader{admin: admin, partitions: cfg.Partitions}, nil
}

// Close closes the connections.
func (l *LagReader) Close() error { return l.admin.Close() }

// Lag returns, per topic and partition, the records of topics that group
// has not committed. A partition the group never committed counts from the
// first record still on it, where the group would start.
func (l *LagReader) Lag(group string, topics []string) (map[string]map[int32]int64, error) {
	wanted := map[string][]int32{}
	for _, t := range topics {
		for p := range l.partitions {
			wanted[t] = append(wanted[t], p)
		}
	}
	committed, err := l.admin.ListConsumerGroupOffsets(group, wanted)
	if err != nil {
		return nil, fmt.Errorf("reading the offsets of group %s: %w", group, err)
	}
	if committed.Err != sarama.ErrNoError {
		return nil, fmt.Errorf("reading the offsets of group %s: %w", group, committed.Err)
	}
	ends, err := l.offsets(wanted, sarama.OffsetNewest)
	if err != nil {
		return nil, err
	}
	lag := map[string]map[int32]int64{}
	uncommitted := map[string][]int32{}
	for t, parts := range wanted {
		lag[t] = map[int32]int64{}
		for _, p := range parts {
			b := committed.GetBlock(t, p)
			if b == nil || b.Err != sarama.ErrNoError || b.Offset < 0 {
				uncommitted[t] = append(uncommitted[t], p)
				continue
			}
			lag[t][p] = max(ends[t][p]-b.Offset, 0)
		}
	}
	if len(uncommitted) == 0 {
		return lag, nil
	}
	starts, err := l.offsets(uncommitted, sarama.OffsetOldest)
	if err != nil {
		return nil, err
	}
	for t, parts := range uncommitted {
		for _, p := range parts {
			lag[t][p] = max(ends[t][p]-starts[t][p], 0)
		}
	}
	return lag, nil
}

// offsets returns the offset at (sarama.OffsetNewest or OffsetOldest) of
// every partition named.
func (l *LagReader) offsets(partitions map[string][]int32, at int64) (map[string]map[int32]int64, error) {
	query := map[string]map[int32]int64{}
	for t, parts := range partitions {
		query[t] = map[int32]int64{}
		for _, p := range parts {
			query[t][p] = at
		}
	}
	res, err := l.admin.ListOffsets(query, nil)
	if err != nil {
		return nil, fmt.Errorf("reading end offsets: %w", err)
	}
	out := map[string]map[int32]int64{}
	for t, parts := range res {
		out[t] = map[int32]int64{}
		for p, r := range parts {
			if r.Err != nil && !errors.Is(r.Err, sarama.ErrNoError) {
				return nil, fmt.Errorf("reading the offset of %s/%d: %w", t, p, r.Err)
			}
			out[t][p] = r.Offset
		}
	}
	return out, nil
}
