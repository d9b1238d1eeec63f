package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/kafka"
)

// A record whose work is cut short by a stop is abandoned: left uncommitted
// for the next owner. goka's partition loop may still run records queued
// behind it, and a commit of any of them would move the partition's offset
// past the abandoned one for good. This runs a real processor on the real
// broker, stops it while it holds one record with several queued behind, and
// reads the group's committed offset; then the next generation must process
// the abandoned record. The loop picks among ready channels at random, so a
// single round could pass by luck: it runs several.
func TestAnAbandonedRecordIsNotSkipped(t *testing.T) {
	brokers := strings.Split(kafkaBrokers(t), ",")
	run := fmt.Sprintf("abandon%d", time.Now().UnixNano())
	topic, group := goka.Stream(run), goka.Group(run)
	createTopic(t, brokers, string(topic))
	g, err := kafka.NewGoka(kafka.Config{Brokers: brokers, Partitions: 1, Replication: 1}, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)

	for round := range 4 {
		blocker := fmt.Sprintf("%s-r%d-blocker", run, round)
		first := produceTo(t, string(topic), 0, blocker, cancelRecord(blocker))
		for i := range 4 {
			id := fmt.Sprintf("%s-r%d-o%d", run, round, i)
			produceTo(t, string(topic), 0, id, cancelRecord(id))
		}

		// A generation that stops while it holds the blocker.
		seen := runAbandonProcessor(t, g, group, topic, blocker, true)
		require.LessOrEqual(t, committed(t, brokers, string(group), string(topic)), first,
			"round %d: the committed offset does not pass the abandoned record", round)
		require.NotContains(t, seen, blocker)

		// The next generation processes it.
		seen = runAbandonProcessor(t, g, group, topic, blocker, false)
		require.Contains(t, seen, blocker, "round %d: the abandoned record is processed by the next generation", round)
	}
}

func cancelRecord(id string) []byte {
	return ordertest.Bytes(events.CancelRequested{V: codecs.Version, OrderID: id, CustomerID: "c1", At: ordertest.Epoch})
}

// runAbandonProcessor runs one generation of a processor of group over
// topic. When hold is set it stops the processor while its callback holds
// the blocker, which it then abandons as a stage does; otherwise it runs
// until it has processed the blocker. It returns the ids it processed.
func runAbandonProcessor(t *testing.T, g *kafka.Goka, group goka.Group, topic goka.Stream, blocker string, hold bool) []string {
	t.Helper()
	gate := intake.New(group, intake.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var (
		mu      sync.Mutex
		seen    []string
		reached = make(chan struct{})
		once    sync.Once
	)
	cb := func(ctx goka.Context, msg any) {
		c, ok := intake.Decode[events.CancelRequested](gate, ctx, msg)
		if !ok {
			return
		}
		if c.OrderID == blocker {
			once.Do(func() { close(reached) })
			if hold {
				<-ctx.Context().Done()
				gate.Abandon(ctx, ctx.Context().Err())
				return
			}
		}
		mu.Lock()
		seen = append(seen, c.OrderID)
		mu.Unlock()
	}
	graph := goka.DefineGroup(group, append([]goka.Edge{goka.Input(topic, codecs.Raw{}, cb)}, gate.Edges()...)...)
	p, err := goka.NewProcessor(g.Brokers(), graph, append(g.Processor(group), goka.WithNilHandling(goka.NilProcess))...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatal("the processor never reached the blocker")
	}
	if hold {
		// Let the records behind the blocker reach the partition loop.
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		// How a stop that abandons a record ends is goka's affair; the
		// committed offset and the next generation are what is tested.
		if err != nil {
			t.Logf("the processor stopped with: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the processor did not stop")
	}
	mu.Lock()
	defer mu.Unlock()
	return seen
}

func createTopic(t *testing.T, brokers []string, topic string) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, admin.Close()) }()
	require.NoError(t, admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false))
	require.Eventually(t, func() bool {
		meta, err := admin.DescribeTopics([]string{topic})
		return err == nil && len(meta) == 1 && len(meta[0].Partitions) == 1 && meta[0].Partitions[0].Leader >= 0
	}, 30*time.Second, 100*time.Millisecond)
}

// committed returns the group's committed offset of partition 0 of topic:
// the next record it would read.
func committed(t *testing.T, brokers []string, group, topic string) int64 {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, admin.Close()) }()
	res, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0}})
	require.NoError(t, err)
	return res.GetBlock(topic, 0).Offset
}
