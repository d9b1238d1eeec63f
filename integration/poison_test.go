package integration

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"orderflow/kafka"
)

// poison is a bad record written straight to a topic by a plain producer.
type poison struct {
	name   string
	key    sarama.Encoder
	value  sarama.Encoder
	reason string
}

func poisons() []poison {
	return []poison{
		{"invalid JSON", sarama.StringEncoder("p1"), sarama.StringEncoder(`{"v":1,"order":`), "malformed record"},
		{"JSON of the wrong shape", sarama.StringEncoder("p2"), sarama.StringEncoder(`{"hello":"world"}`), "no schema version"},
		{"an unknown version", sarama.StringEncoder("p3"), sarama.StringEncoder(`{"v":99,"order_id":"p3"}`), "unknown schema version"},
		{"an empty value", sarama.StringEncoder("p4"), nil, "empty value"},
		{"a 2 MiB value", sarama.StringEncoder("p5"), sarama.ByteEncoder(make([]byte, 2<<20)), "record too large"},
		{"a nil key", nil, sarama.StringEncoder(`{"v":1}`), "no key"},
	}
}

// readers lists the groups that read each input topic.
var readers = map[string][]string{
	"new_orders":          {"payment", "orders"},
	"order_cancellations": {"payment", "shipping", "orders"},
	"payed_orders":        {"shipping", "orders"},
	"sent_orders":         {"notifications", "payment", "orders"},
	"notified_orders":     {"orders"},
}

type position struct {
	topic     string
	partition int32
	offset    int64
}

// writePoison writes every poison to every input topic and returns where
// each landed and what reason its dead letters must give.
func writePoison(t *testing.T, brokers string) map[position]string {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.MaxMessageBytes = 4 << 20
	p, err := sarama.NewSyncProducer(strings.Split(brokers, ","), cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	where := map[position]string{}
	for topic := range readers {
		for _, pz := range poisons() {
			part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: pz.key, Value: pz.value})
			require.NoError(t, err, "%s to %s", pz.name, topic)
			where[position{topic, part, off}] = pz.reason
		}
	}
	return where
}

// deadLetter is one record of dead_letters, by its headers.
type deadLetter struct {
	source position
	group  string
	reason string
	size   int
}

// readDeadLetters reads dead_letters from the start to its current end.
func readDeadLetters(t *testing.T, brokers string) []deadLetter {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	client, err := sarama.NewClient(strings.Split(brokers, ","), cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, client.Close()) }()
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	defer func() { require.NoError(t, consumer.Close()) }()
	parts, err := client.Partitions("dead_letters")
	require.NoError(t, err)
	var out []deadLetter
	for _, part := range parts {
		hwm, err := client.GetOffset("dead_letters", part, sarama.OffsetNewest)
		require.NoError(t, err)
		if hwm == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition("dead_letters", part, sarama.OffsetOldest)
		require.NoError(t, err)
		for m := range pc.Messages() {
			h := map[string]string{}
			for _, r := range m.Headers {
				h[string(r.Key)] = string(r.Value)
			}
			var src position
			src.topic = h["dlq.source.topic"]
			_, _ = fmt.Sscan(h["dlq.source.partition"], &src.partition)
			_, _ = fmt.Sscan(h["dlq.source.offset"], &src.offset)
			out = append(out, deadLetter{source: src, group: h["dlq.group"], reason: h["dlq.error"], size: len(m.Value)})
			if m.Offset >= hwm-1 {
				break
			}
		}
		require.NoError(t, pc.Close())
	}
	return out
}

func testPoison(t *testing.T, ctx context.Context, c *cluster, cl *client) {
	brokers := kafkaBrokers(t)
	probe(t, ctx, cl)
	where := writePoison(t, brokers)
	// Good orders placed after the poison still go through every stage.
	probe(t, ctx, cl)
	want := 0
	for pos := range where {
		want += len(readers[pos.topic])
	}
	var found map[string]deadLetter
	require.Eventually(t, func() bool {
		found = map[string]deadLetter{}
		for _, d := range readDeadLetters(t, brokers) {
			if _, ok := where[d.source]; ok {
				found[fmt.Sprintf("%v/%s", d.source, d.group)] = d
			}
		}
		return len(found) == want
	}, 90*time.Second, time.Second, "every reader sets every poison record aside")
	for pos, reason := range where {
		for _, g := range readers[pos.topic] {
			d, ok := found[fmt.Sprintf("%v/%s", pos, g)]
			require.True(t, ok, "%s did not set %v aside", g, pos)
			require.Contains(t, d.reason, reason, "%s on %v", g, pos)
		}
	}
	t.Logf("faults: poison: %d bad records on %d topics became %d dead letters, each with its reason; orders placed around them completed", len(where), len(readers), len(found))
	testDLQCommand(t, c)
}

// testDLQCommand lists the dead letters with `orderflow dlq list` and replays
// one to its source topic with `orderflow dlq replay`.
func testDLQCommand(t *testing.T, c *cluster) {
	list := exec.Command(binary, "dlq", "list")
	list.Env = c.env
	out, err := list.CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Greater(t, len(lines), 1)
	require.Contains(t, lines[0], "ERROR")
	var id string
	for _, l := range lines[1:] {
		if strings.Contains(l, "unknown schema version") && strings.Contains(l, "new_orders/") {
			id = strings.Fields(l)[0]
			break
		}
	}
	require.NotEmpty(t, id, "dlq list shows the unknown-version record from new_orders:\n%s", out)

	before := countReplayed(t)
	replay := exec.Command(binary, "dlq", "replay", "--id", id)
	replay.Env = c.env
	out, err = replay.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "1 dead letters replayed")
	require.Eventually(t, func() bool { return countReplayed(t) == before+1 }, 30*time.Second, 200*time.Millisecond,
		"the replayed record is back on new_orders")
	t.Logf("faults: dlq: `orderflow dlq list` showed %d dead letters; `dlq replay --id %s` put one back on new_orders", len(lines)-1, id)
}

// countReplayed counts records on new_orders that `dlq replay` wrote.
func countReplayed(t *testing.T) int {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	client, err := sarama.NewClient(strings.Split(kafkaBrokers(t), ","), cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, client.Close()) }()
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	defer func() { require.NoError(t, consumer.Close()) }()
	parts, err := client.Partitions("new_orders")
	require.NoError(t, err)
	n := 0
	for _, part := range parts {
		hwm, err := client.GetOffset("new_orders", part, sarama.OffsetNewest)
		require.NoError(t, err)
		if hwm == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition("new_orders", part, sarama.OffsetOldest)
		require.NoError(t, err)
		for m := range pc.Messages() {
			for _, h := range m.Headers {
				if string(h.Key) == "dlq.replayed-from" {
					n++
				}
			}
			if m.Offset >= hwm-1 {
				break
			}
		}
		require.NoError(t, pc.Close())
	}
	return n
}

// startRebalance adds a second instance of payment and of notifications and
// then stops the first ones, while orders flow.
func rebalance(t *testing.T, c *cluster) {
	for _, kind := range []string{"payment", "notifications"} {
		c.start(kind+"-2", kind)
	}
	time.Sleep(10 * time.Second)
	for _, kind := range []string{"payment", "notifications"} {
		c.stop(kind)
	}
}
