package integration

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"orderflow/kafka"
	"orderflow/topology"
)

// brokers is the local Kafka cluster of broker/cluster.sh: the test kills,
// stops and starts its nodes through the script, and watches its metadata.
type brokers struct {
	t      *testing.T
	script string
	client sarama.Client
	admin  sarama.ClusterAdmin

	mu   sync.Mutex
	down map[int32]bool // nodes killed or stopping, until started again
}

func newBrokers(t *testing.T, script string) *brokers {
	t.Helper()
	sc, err := kafka.Config{Brokers: strings.Split(kafkaBrokers(t), ",")}.Sarama("integration-cluster")
	require.NoError(t, err)
	// A dead node refuses connections at once on loopback; nothing should
	// wait long for one that hangs.
	sc.Net.DialTimeout, sc.Net.ReadTimeout = 2*time.Second, 3*time.Second
	sc.Metadata.Retry.Max = 1
	client, err := sarama.NewClient(strings.Split(kafkaBrokers(t), ","), sc)
	require.NoError(t, err)
	admin, err := sarama.NewClusterAdminFromClient(client)
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })
	return &brokers{t: t, script: script, client: client, admin: admin, down: map[int32]bool{}}
}

// run runs the script with args and fails the test if it fails.
func (b *brokers) run(args ...string) string {
	b.t.Helper()
	out, err := exec.Command(b.script, args...).CombinedOutput()
	require.NoError(b.t, err, "%s %v: %s", b.script, args, out)
	return strings.TrimSpace(string(out))
}

func (b *brokers) kill(node int32) {
	b.setDown(node, true)
	b.run("kill", strconv.Itoa(int(node)))
}

// stop stops a node as an operator would: SIGTERM, a controlled shutdown
// that moves its leaderships away first.
func (b *brokers) stop(node int32) {
	b.setDown(node, true)
	b.run("stop", strconv.Itoa(int(node)))
}

func (b *brokers) start(node int32) {
	b.run("start", strconv.Itoa(int(node)))
	b.setDown(node, false)
}

func (b *brokers) setDown(node int32, down bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down[node] = down
}

func (b *brokers) isDown(node int32) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.down[node]
}

// controller is the node id of the active KRaft controller, as the
// metadata quorum says (DescribeMetadataQuorum, through kafka-tools).
func (b *brokers) controller() int32 {
	b.t.Helper()
	id, err := strconv.Atoi(b.run("controller"))
	require.NoError(b.t, err)
	return int32(id)
}

// topLeader is the node that leads the most new_orders partitions.
func (b *brokers) topLeader() (node int32, led, of int) {
	b.t.Helper()
	meta, err := b.admin.DescribeTopics([]string{string(topology.NewOrders)})
	require.NoError(b.t, err)
	count := map[int32]int{}
	for _, p := range meta[0].Partitions {
		count[p.Leader]++
	}
	for n, c := range count {
		if c > led || (c == led && n < node) {
			node, led = n, c
		}
	}
	return node, led, len(meta[0].Partitions)
}

// topics are the ones whose replicas the test waits for: every topic of
// orderflow and the broker's consumer offsets.
func topics() []string {
	names := []string{"__consumer_offsets"}
	for _, s := range topology.Streams() {
		names = append(names, string(s))
	}
	for _, t := range topology.Tables() {
		names = append(names, string(t))
	}
	return names
}

// waitInSync waits until every replica of every topic is in sync again, as
// an operator does before restarting the next broker; it returns how long
// that took.
func (b *brokers) waitInSync() time.Duration {
	b.t.Helper()
	begin := time.Now()
	deadline := begin.Add(3 * time.Minute)
	for {
		meta, err := b.admin.DescribeTopics(topics())
		if err == nil && fullyInSync(meta) {
			return time.Since(begin)
		}
		require.True(b.t, time.Now().Before(deadline), "replicas not in sync 3 minutes after a restart: %v", err)
		time.Sleep(200 * time.Millisecond)
	}
}

func fullyInSync(meta []*sarama.TopicMetadata) bool {
	for _, m := range meta {
		if !errors.Is(m.Err, sarama.ErrNoError) || len(m.Partitions) == 0 {
			return false
		}
		for _, p := range m.Partitions {
			if p.Leader < 0 || len(p.Isr) != len(p.Replicas) {
				return false
			}
		}
	}
	return true
}

// window is a span of time in which some new_orders partition had no
// in-sync quorum: no live leader, or fewer than min.insync.replicas live
// replicas in sync.
type window struct{ from, to time.Time }

// quorumWatch samples new_orders' metadata every 100 ms and records the
// windows without an in-sync quorum. A node the test has killed or is
// stopping counts as dead even while the metadata still names it.
type quorumWatch struct {
	mu      sync.Mutex
	windows []window
	samples int
	stop    chan struct{}
	done    chan struct{}
}

func (b *brokers) watchQuorum(minISR int) *quorumWatch {
	w := &quorumWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
			before := time.Now()
			ok := b.quorate(minISR)
			w.record(before, time.Now(), ok)
		}
	}()
	return w
}

// quorate reports whether every new_orders partition has a live leader and
// minISR live replicas in sync. Metadata that cannot be had counts as no.
// The client tries the brokers in turn, so one dead node does not count.
func (b *brokers) quorate(minISR int) bool {
	topic := string(topology.NewOrders)
	if b.client.RefreshMetadata(topic) != nil {
		return false
	}
	parts, err := b.client.Partitions(topic)
	if err != nil || len(parts) == 0 {
		return false
	}
	for _, p := range parts {
		leader, err := b.client.Leader(topic, p)
		if err != nil || b.isDown(leader.ID()) {
			return false
		}
		isr, err := b.client.InSyncReplicas(topic, p)
		if err != nil {
			return false
		}
		live := 0
		for _, r := range isr {
			if !b.isDown(r) {
				live++
			}
		}
		if live < minISR {
			return false
		}
	}
	return true
}

// record extends the open window, or opens one, when a sample found no
// quorum; the window spans the whole sample, since the state may have
// changed at any moment of it.
func (w *quorumWatch) record(from, to time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.samples++
	if ok {
		return
	}
	if n := len(w.windows); n > 0 && !w.windows[n-1].to.Before(from.Add(-200*time.Millisecond)) {
		w.windows[n-1].to = to
		return
	}
	w.windows = append(w.windows, window{from: from, to: to})
}

// finish stops the sampling and returns the windows without a quorum.
func (w *quorumWatch) finish() []window {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.windows
}

// overlaps reports whether [from, to] meets one of the windows.
func overlaps(ws []window, from, to time.Time) bool {
	for _, w := range ws {
		if !from.After(w.to) && !to.Before(w.from) {
			return true
		}
	}
	return false
}

func clusterScript(t *testing.T) string {
	t.Helper()
	script := os.Getenv("ORDERFLOW_TEST_CLUSTER_SCRIPT")
	if script == "" {
		t.Skip("ORDERFLOW_TEST_CLUSTER_SCRIPT is not set; `make test-cluster` runs these tests on a three-broker cluster")
	}
	return script
}
