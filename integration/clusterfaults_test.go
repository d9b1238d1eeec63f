package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"orderflow/topology"
)

// TestKafkaClusterFaults runs every service as its own process against the
// three-broker cluster of broker/cluster.sh and, under a steady order load,
// kills the busiest leader, kills the active controller and restarts every
// broker in turn. After each it checks the promise (every accepted order
// terminal, one charge and one notification per order) and that the API
// refused orders only while some new_orders partition had no in-sync
// quorum, and prints what happened.
func TestKafkaClusterFaults(t *testing.T) {
	b := newBrokers(t, clusterScript(t))
	ns := startNATS(t)
	c := newCluster(t, ns.ClientURL())
	requireReplicated(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpStacks()
		}
	})
	run := fmt.Sprintf("kc%d", time.Now().UnixNano())
	got := watchNotifications(t, ctx, ns.ClientURL(), run)
	clients := make([]*client, 20)
	for i := range clients {
		clients[i] = newClient(t, c.apiBase, fmt.Sprintf("%s-c%d", run, i))
	}
	probe(t, ctx, clients[0]) // every group has joined before the first fault
	f := &clusterFault{c: c, b: b, clients: clients, got: got, known: map[string]bool{}}
	f.strays(t, ctx) // the probe's order

	t.Run("the broker leading the most new_orders partitions killed with -9 loses and repeats nothing", func(t *testing.T) {
		f.run(t, ctx, "leader", func(tl *timeline) {
			node, led, of := b.topLeader()
			b.kill(node)
			tl.mark("node %d (leading %d of %d new_orders partitions) killed", node, led, of)
			time.Sleep(10 * time.Second)
			b.start(node)
			tl.mark("node %d started again", node)
			tl.mark("every replica in sync again (%v)", b.waitInSync().Round(100*time.Millisecond))
		})
	})

	t.Run("the active controller killed with -9 loses and repeats nothing", func(t *testing.T) {
		f.run(t, ctx, "controller", func(tl *timeline) {
			node := b.controller()
			b.kill(node)
			tl.mark("node %d, the active controller, killed", node)
			tl.mark("node %d is the active controller now", b.controller())
			time.Sleep(5 * time.Second)
			b.start(node)
			tl.mark("node %d started again", node)
			tl.mark("every replica in sync again (%v)", b.waitInSync().Round(100*time.Millisecond))
		})
	})

	t.Run("a rolling restart of all three brokers loses and repeats nothing", func(t *testing.T) {
		f.run(t, ctx, "rolling", func(tl *timeline) {
			for node := int32(1); node <= 3; node++ {
				b.stop(node)
				tl.mark("node %d stopped (controlled shutdown)", node)
				b.start(node)
				tl.mark("node %d started again", node)
				tl.mark("every replica in sync again (%v)", b.waitInSync().Round(100*time.Millisecond))
			}
		})
	})
}

// requireReplicated checks what `orderflow topics` made of a three-broker
// cluster, left to choose the replication itself: three replicas and
// min.insync.replicas=2 on every topic.
func requireReplicated(t *testing.T, b *brokers) {
	t.Helper()
	var names []string
	for _, s := range topology.Streams() {
		names = append(names, string(s))
	}
	for _, tb := range topology.Tables() {
		names = append(names, string(tb))
	}
	meta, err := b.admin.DescribeTopics(names)
	require.NoError(t, err)
	var resources []*sarama.ConfigResource
	for _, m := range meta {
		for _, p := range m.Partitions {
			require.Len(t, p.Replicas, 3, "replicas of %s/%d", m.Name, p.ID)
		}
		resources = append(resources, &sarama.ConfigResource{Type: sarama.TopicResource, Name: m.Name, ConfigNames: []string{"min.insync.replicas"}})
	}
	results, err := b.admin.DescribeConfigs(resources, sarama.DescribeConfigsOptions{})
	require.NoError(t, err)
	require.Len(t, results, len(names))
	for _, r := range results {
		require.Zero(t, r.ErrorCode, "describing %s: %s", r.Name, r.ErrorMsg)
		require.Len(t, r.Configs, 1, r.Name)
		require.Equal(t, "2", r.Configs[0].Value, "min.insync.replicas of %s", r.Name)
	}
}

// clusterFault is what every broker fault shares: the system, the cluster,
// the customers and what NATS delivered to them.
type clusterFault struct {
	c       *cluster
	b       *brokers
	clients []*client
	got     *notifications
	known   map[string]bool // every order of the clients the test has accounted for
}

// run places orders at 40/s, lets fault act 5 s in, goes on 5 s after it,
// then checks and prints the outcome.
func (f *clusterFault) run(t *testing.T, ctx context.Context, name string, fault func(*timeline)) {
	before := f.c.stats(ctx)
	watch := f.b.watchQuorum(2)
	stop := make(chan struct{})
	loaded := make(chan *steadyLoad)
	go func() { loaded <- runLoad(ctx, f.clients, 40, 400, stop) }()
	time.Sleep(5 * time.Second)
	tl := &timeline{t: t, name: name, start: time.Now()}
	fault(tl)
	time.Sleep(5 * time.Second)
	close(stop)
	l := <-loaded
	quorumless := watch.finish()
	out := verify(t, ctx, l.accepted, f.got)
	after := f.c.stats(ctx)

	refused, outside := 0, 0
	for _, a := range l.answers {
		if a.status == http.StatusCreated {
			continue
		}
		require.Equal(t, http.StatusServiceUnavailable, a.status, "the API answered neither 201 nor 503")
		refused++
		if !overlaps(quorumless, a.start, a.end) {
			outside++
			t.Errorf("cluster %s: refused from %v to %v, while every new_orders partition had an in-sync quorum", name, tl.at(a.start), tl.at(a.end))
		}
	}
	for _, p := range l.accepted {
		f.known[p.id] = true
	}
	strays, strayCharged := f.strays(t, ctx)
	notified := 0
	f.got.mu.Lock()
	for _, p := range l.accepted {
		notified += len(f.got.byID[p.id])
	}
	f.got.mu.Unlock()
	charges := after.Charges - before.Charges

	tl.print()
	var ws []string
	for _, w := range quorumless {
		ws = append(ws, fmt.Sprintf("%v..%v", tl.at(w.from), tl.at(w.to)))
	}
	t.Logf("cluster %s: %d accepted, %d refused (%d outside a window without quorum), %d terminal %v, %d charges for %d charged orders, %d refunds, %d notifications",
		name, len(l.accepted), refused, outside, len(out.final), out.statuses, charges, out.charged, after.Refunds-before.Refunds, notified)
	t.Logf("cluster %s: %d orders answered 503 were written all the same (the API stopped waiting for the broker's ack first), %d of them charged; each ended terminal with one notification",
		name, len(strays), strayCharged)
	t.Logf("cluster %s: windows without an in-sync quorum on new_orders: [%s]", name, strings.Join(ws, " "))
	t.Logf("cluster %s: API: longest time without a 201: %v", name, longestGap(acceptedAt(l.answers)).Round(10*time.Millisecond))
	for _, s := range stageStalls(out.final) {
		t.Logf("cluster %s: %s", name, s)
	}
	require.Equal(t, out.charged+strayCharged, charges, "exactly one charge per charged order")
	require.Equal(t, len(l.accepted), notified, "exactly one notification per order")
}

// strays finds the clients' orders the test has not accounted for: orders
// whose POST was answered 503 because the broker's ack came too late, but
// which were written. They are real orders: each must end terminal with one
// notification, and is charged like any other. It returns them and how many
// of them were charged.
func (f *clusterFault) strays(t *testing.T, ctx context.Context) ([]*placed, int) {
	t.Helper()
	var strays []*placed
	for _, c := range f.clients {
		for _, id := range c.list(t, ctx) {
			if !f.known[id] {
				f.known[id] = true
				strays = append(strays, &placed{id: id, customer: c})
			}
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	final := waitTerminal(t, wctx, strays)
	require.Eventually(t, func() bool {
		f.got.mu.Lock()
		defer f.got.mu.Unlock()
		for _, p := range strays {
			if len(f.got.byID[p.id]) == 0 {
				return false
			}
		}
		return true
	}, 2*time.Minute, 100*time.Millisecond, "every order written is notified over NATS")
	charged := 0
	f.got.mu.Lock()
	defer f.got.mu.Unlock()
	for _, p := range strays {
		o := final[p.id]
		if o.Status == "notified" || (o.Status == "cancelled" && o.Payment != nil) {
			charged++
		}
		require.Len(t, f.got.byID[p.id], 1, "notifications of %s", p.id)
	}
	return strays, charged
}

// list returns the ids of every order of the client.
func (c *client) list(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for {
		status, b, err := c.do(ctx, http.MethodGet, "/orders?limit=100&cursor="+cursor, nil, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "%s", b)
		var page struct {
			Orders []struct {
				ID string `json:"id"`
			} `json:"orders"`
			NextCursor string `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(b, &page))
		for _, o := range page.Orders {
			ids = append(ids, o.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = url.QueryEscape(page.NextCursor)
	}
}

// timeline keeps what a fault did and when, relative to its start.
type timeline struct {
	t      *testing.T
	name   string
	start  time.Time
	events []string
}

func (tl *timeline) mark(format string, args ...any) {
	tl.events = append(tl.events, fmt.Sprintf("%v %s", tl.at(time.Now()), fmt.Sprintf(format, args...)))
}

func (tl *timeline) at(t time.Time) string {
	return fmt.Sprintf("%+.1fs", t.Sub(tl.start).Seconds())
}

func (tl *timeline) print() {
	for _, e := range tl.events {
		tl.t.Logf("cluster %s: %s", tl.name, e)
	}
}

func acceptedAt(answers []answer) []time.Time {
	var at []time.Time
	for _, a := range answers {
		if a.status == http.StatusCreated {
			at = append(at, a.end)
		}
	}
	return at
}

// longestGap is the longest time between two consecutive instants.
func longestGap(at []time.Time) time.Duration {
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	var gap time.Duration
	for i := 1; i < len(at); i++ {
		gap = max(gap, at[i].Sub(at[i-1]))
	}
	return gap
}

// stageStalls says, for each stage, the longest an order waited for it
// (from the status before to the one it writes), the median wait, and the
// longest time in which it completed no order at all.
func stageStalls(final map[string]apiOrder) []string {
	stages := []struct{ name, from, to string }{
		{"payment", "created", "paid"},
		{"shipping", "paid", "shipped"},
		{"notifications", "shipped", "notified"},
	}
	var lines []string
	for _, s := range stages {
		var waits []time.Duration
		var done []time.Time
		for _, o := range final {
			from, ok1 := statusAt(o, s.from)
			to, ok2 := statusAt(o, s.to)
			if ok1 && ok2 {
				waits = append(waits, to.Sub(from))
				done = append(done, to)
			}
		}
		if len(waits) == 0 {
			continue
		}
		slices.Sort(waits)
		lines = append(lines, fmt.Sprintf("%s: %d orders, wait median %v, longest %v; longest time without completing one %v",
			s.name, len(waits), waits[len(waits)/2].Round(time.Millisecond), waits[len(waits)-1].Round(time.Millisecond),
			longestGap(done).Round(10*time.Millisecond)))
	}
	return lines
}

func statusAt(o apiOrder, status string) (time.Time, bool) {
	for _, h := range o.History {
		if h.Status == status {
			return h.At, true
		}
	}
	return time.Time{}, false
}
