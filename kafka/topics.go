package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"orderflow/topology"
)

// StreamRetention is how long the stream topics keep records. Tables are
// compacted and keep the latest record of every key forever.
const StreamRetention = 7 * 24 * time.Hour

// EnsureTopics creates every stream and table topic of the topology with the
// configured partitions and replication (0: chosen from the broker count),
// tables compacted, min.insync.replicas 2 when there are two replicas or more. A topic that
// exists with another partition count is an error: records of one order
// would no longer meet in the same partition of every topic.
func EnsureTopics(ctx context.Context, cfg Config, logger *slog.Logger) (err error) {
	sc, err := cfg.Sarama("orderflow-admin")
	if err != nil {
		return err
	}
	admin, err := sarama.NewClusterAdmin(cfg.Brokers, sc)
	if err != nil {
		return fmt.Errorf("connecting to kafka %v: %w", cfg.Brokers, err)
	}
	defer func() { err = errors.Join(err, admin.Close()) }()

	if cfg.Replication, err = replication(cfg, admin); err != nil {
		return err
	}
	existing, err := admin.ListTopics()
	if err != nil {
		return fmt.Errorf("listing topics: %w", err)
	}
	for _, t := range wanted(cfg) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if d, ok := existing[t.name]; ok {
			if d.NumPartitions != cfg.Partitions {
				return fmt.Errorf("topic %s has %d partitions, want %d", t.name, d.NumPartitions, cfg.Partitions)
			}
			continue
		}
		err := admin.CreateTopic(t.name, &sarama.TopicDetail{
			NumPartitions:     cfg.Partitions,
			ReplicationFactor: cfg.Replication,
			ConfigEntries:     t.config,
		}, false)
		if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
			return fmt.Errorf("creating topic %s: %w", t.name, err)
		}
		logger.Info("topic created", "topic", t.name, "partitions", cfg.Partitions, "replication", cfg.Replication, "cleanup_policy", *t.config["cleanup.policy"])
	}
	return waitVisible(ctx, admin, cfg)
}

// replication is the replication factor for new topics: the configured one,
// or, when that is 0, one replica per broker the cluster has, up to three.
// Three replicas with min.insync.replicas=2 keep accepting writes, and lose
// nothing acknowledged, when any one broker is lost.
func replication(cfg Config, admin sarama.ClusterAdmin) (int16, error) {
	if cfg.Replication > 0 {
		return cfg.Replication, nil
	}
	brokers, _, err := admin.DescribeCluster()
	if err != nil {
		return 0, fmt.Errorf("counting brokers: %w", err)
	}
	return DefaultReplication(len(brokers)), nil
}

// replicationOnce finds, once per process, the replication goka checks
// every topic against (it refuses a topic with another one).
type replicationOnce struct {
	mu sync.Mutex
	rf int16
}

// get returns the configured replication or, when that is 0, the one
// new_orders was made with: the topics exist before any goka client starts,
// and a broker that is down still counts among a partition's replicas,
// where it would be missing from a count of live brokers.
func (o *replicationOnce) get(cfg Config, brokers []string, sc *sarama.Config) (int16, error) {
	if cfg.Replication > 0 {
		return cfg.Replication, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rf > 0 {
		return o.rf, nil
	}
	client, err := sarama.NewClient(brokers, sc)
	if err != nil {
		return 0, fmt.Errorf("connecting to kafka %v: %w", brokers, err)
	}
	defer func() { _ = client.Close() }()
	replicas, err := client.Replicas(string(topology.NewOrders), 0)
	if err != nil || len(replicas) == 0 {
		return DefaultReplication(len(client.Brokers())), nil
	}
	o.rf = int16(min(len(replicas), math.MaxInt16))
	return o.rf, nil
}

// DefaultReplication is the replication factor for a cluster of n brokers.
func DefaultReplication(n int) int16 {
	return int16(max(1, min(3, n)))
}

// waitVisible waits until the broker's metadata shows every topic with its
// partitions. Creation returns before that, and a processor started in the
// gap would find its table missing and try to create it itself.
func waitVisible(ctx context.Context, admin sarama.ClusterAdmin, cfg Config) error {
	var names []string
	for _, t := range wanted(cfg) {
		names = append(names, t.name)
	}
	for {
		meta, err := admin.DescribeTopics(names)
		if err == nil && allVisible(meta, cfg.Partitions) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for topics to appear: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func allVisible(meta []*sarama.TopicMetadata, partitions int32) bool {
	for _, m := range meta {
		if !errors.Is(m.Err, sarama.ErrNoError) || len(m.Partitions) != int(partitions) {
			return false
		}
		for _, p := range m.Partitions {
			if !errors.Is(p.Err, sarama.ErrNoError) || p.Leader < 0 {
				return false
			}
		}
	}
	return true
}

type topic struct {
	name   string
	config map[string]*string
}

func wanted(cfg Config) []topic {
	ptr := func(s string) *string { return &s }
	minISR := ptr(strconv.Itoa(min(2, int(cfg.Replication))))
	maxBytes := ptr(strconv.Itoa(4 << 20))
	var ts []topic
	for _, s := range topology.Streams() {
		ts = append(ts, topic{string(s), map[string]*string{
			"cleanup.policy":      ptr("delete"),
			"retention.ms":        ptr(strconv.FormatInt(StreamRetention.Milliseconds(), 10)),
			"min.insync.replicas": minISR,
			"max.message.bytes":   maxBytes,
		}})
	}
	for _, t := range topology.Tables() {
		ts = append(ts, topic{string(t), map[string]*string{
			"cleanup.policy":      ptr("compact"),
			"min.insync.replicas": minISR,
			"max.message.bytes":   maxBytes,
		}})
	}
	return ts
}
