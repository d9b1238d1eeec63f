package integration

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFastRestart kills one of two payment instances with -9, restarts it at
// once with its data folder, and places orders right after: with static
// group membership the restarted instance gets its partitions back without
// the other instance rebalancing. It runs once without static membership
// first, for comparison, and prints the time from the kill until every
// order placed after the restart is done.
func TestFastRestart(t *testing.T) {
	kafkaBrokers(t)
	stalls := map[bool]time.Duration{}
	for _, static := range []bool{false, true} {
		name := map[bool]string{false: "without static membership the other instance rebalances", true: "with static membership the other instance does not rebalance"}[static]
		t.Run(name, func(t *testing.T) {
			stalls[static] = restartPayment(t, static)
		})
	}
	t.Logf("restart: kill -9 of a payment instance until the orders placed after its restart were done: %v without static membership, %v with",
		stalls[false].Round(10*time.Millisecond), stalls[true].Round(10*time.Millisecond))
}

// restartPayment runs one round of TestFastRestart and returns the time
// from the kill until the orders were done.
func restartPayment(t *testing.T, static bool) time.Duration {
	const orders = 12 // on 6 partitions shared by two instances: some land on the killed one's
	ns := startNATS(t)
	c := newCluster(t, ns.ClientURL(), "STATIC_MEMBERSHIP="+strconv.FormatBool(static), "LAG_INTERVAL=250ms")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := fmt.Sprintf("r%d", time.Now().UnixNano())
	got := watchNotifications(t, ctx, ns.ClientURL(), run)
	cl := newClient(t, c.apiBase, run+"-c")

	killedAddr, otherAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	c.stop("payment")
	c.start("payment", "payment", "METRICS_ADDR="+killedAddr)
	c.start("payment-2", "payment", "METRICS_ADDR="+otherAddr)
	// Both own partitions once the group has settled; one order through
	// the pipeline shows it works.
	require.Eventually(t, func() bool {
		return series(killedAddr, `orderflow_group_partitions_assigned{group="payment"}`) > 0 &&
			series(otherAddr, `orderflow_group_partitions_assigned{group="payment"}`) > 0
	}, 90*time.Second, 100*time.Millisecond, "both payment instances own partitions")
	probe(t, ctx, cl)
	time.Sleep(time.Second)
	rebalances := series(otherAddr, `orderflow_group_rebalances_total{group="payment"}`)
	before := c.stats(ctx)

	killed := time.Now()
	c.kill9("payment")
	c.start("payment", "payment", "METRICS_ADDR="+killedAddr)
	restarted := time.Now()
	var all []*placed
	for range orders {
		o, status, err := cl.place(ctx, "tok_visa", "")
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status)
		all = append(all, &placed{id: o.ID, customer: cl})
	}
	time.Sleep(500 * time.Millisecond)
	lag := scrapeLines(otherAddr, `orderflow_consumer_lag{group="payment",`, `topic="new_orders"`)
	waitTerminal(t, ctx, all)
	done := time.Since(killed)
	t.Logf("restart: the other instance's view of the payment group's lag on new_orders 0.5 s after the orders were placed:\n%s", strings.Join(lag, "\n"))

	out := verify(t, ctx, all, got)
	after := c.stats(ctx)
	require.Equal(t, orders, out.statuses["notified"])
	require.Equal(t, orders, after.Charges-before.Charges, "exactly one charge per order")
	again := series(otherAddr, `orderflow_group_rebalances_total{group="payment"}`)
	t.Logf("restart: static membership %v: restarted %v after the kill; %d orders placed after the restart done %v after the kill; the other instance had %v new assignments",
		static, restarted.Sub(killed).Round(10*time.Millisecond), orders, done.Round(10*time.Millisecond), again-rebalances)
	if static {
		require.Equal(t, rebalances, again, "the other payment instance rebalanced")
		require.Positive(t, series(killedAddr, `orderflow_group_partitions_assigned{group="payment"}`), "the restarted instance has its partitions back")
	} else {
		// The control: the same metric does see the rebalance that static
		// membership avoids.
		require.Greater(t, again, rebalances, "the other payment instance rebalanced")
	}
	return done
}

// series returns the value of one series on a process's /metrics, or -1
// when the process does not answer or does not have it.
func series(addr, name string) float64 {
	resp, err := readyClient.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// scrapeLines returns the lines of a process's /metrics that start with
// prefix and contain part (labels are written in the order of their names).
func scrapeLines(addr, prefix, part string) []string {
	resp, err := readyClient.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) && strings.Contains(sc.Text(), part) {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}
