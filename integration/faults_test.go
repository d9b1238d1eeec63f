package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFaults runs one system of separate processes through crashes,
// rebalances, a NATS outage and a broker crash, and checks the promise after
// each: every accepted order reaches a terminal status, nobody is charged or
// notified twice, nothing is lost.
func TestFaults(t *testing.T) {
	kafkaBrokers(t)
	ns := startNATS(t)
	c := newCluster(t, ns.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpStacks()
		}
	})
	run := fmt.Sprintf("f%d", time.Now().UnixNano())
	got := watchNotifications(t, ctx, ns.ClientURL(), run)
	clients := make([]*client, 20)
	for i := range clients {
		clients[i] = newClient(t, c.apiBase, fmt.Sprintf("%s-c%d", run, i))
	}

	t.Run("processes killed with -9 under load lose and repeat nothing", func(t *testing.T) {
		before := c.stats(ctx)
		stop := make(chan struct{})
		loaded := make(chan *steadyLoad)
		go func() { loaded <- runLoad(ctx, clients, 40, 2000, stop) }()
		probes := 0 // probe orders are charged too, outside the load's list
		for round := 1; round <= 3; round++ {
			for _, kind := range []string{"orders", "payment", "shipping", "notifications"} {
				time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
				killed := time.Now()
				c.kill9(kind)
				time.Sleep(time.Duration(rand.IntN(1000)) * time.Millisecond)
				c.start(kind, kind)
				recovery := probe(t, ctx, clients[0])
				probes++
				t.Logf("faults: round %d: %s killed; order placed after its restart done %v after the kill", round, kind, recovery.Sub(killed).Round(10*time.Millisecond))
			}
		}
		close(stop)
		l := <-loaded
		out := verify(t, ctx, l.accepted, got)
		after := c.stats(ctx)
		t.Logf("faults: crash run: %d accepted (answers:%s), outcomes %v", len(l.accepted), l.summary(), out.statuses)
		t.Logf("faults: crash run: gateway: %d charges for %d charged orders, %d refunds, %d charge requests (repeats answered from the gateway's idempotency ledger)",
			after.Charges-before.Charges, out.charged, after.Refunds-before.Refunds, after.Requests-before.Requests)
		require.GreaterOrEqual(t, len(l.accepted), 2000)
		require.Equal(t, out.charged, after.Charges-before.Charges-probes, "exactly one charge per charged order")
		require.Equal(t, out.refunded, after.Refunds-before.Refunds)
	})

	t.Run("poison records on every input topic become dead letters and stop nothing", func(t *testing.T) {
		testPoison(t, ctx, c, clients[1])
	})

	t.Run("instances added and removed under load lose and repeat nothing", func(t *testing.T) {
		before := c.stats(ctx)
		stop := make(chan struct{})
		loaded := make(chan *steadyLoad)
		go func() { loaded <- runLoad(ctx, clients, 40, 600, stop) }()
		start := time.Now()
		rebalance(t, c)
		close(stop)
		l := <-loaded
		out := verify(t, ctx, l.accepted, got)
		after := c.stats(ctx)
		t.Logf("faults: rebalance: payment and notifications moved to new instances in %v; %d accepted, outcomes %v, %d charges for %d charged orders",
			time.Since(start).Round(time.Second), len(l.accepted), out.statuses, after.Charges-before.Charges, out.charged)
		require.Equal(t, out.charged, after.Charges-before.Charges, "exactly one charge per charged order")
	})

	t.Run("notifications wait while NATS is down, across a hand-over, and none is lost or repeated", func(t *testing.T) {
		stop := make(chan struct{})
		loaded := make(chan *steadyLoad)
		go func() { loaded <- runLoad(ctx, clients, 40, 300, stop) }()
		time.Sleep(2 * time.Second)
		down := time.Now()
		ns.restart(t, 5*time.Second, func() {
			// Notifications waiting for NATS are handed to a new instance:
			// the stopping one must leave them to it, not record them sent.
			old := c.instances("notifications")
			c.start("notifications-3", "notifications")
			time.Sleep(2 * time.Second)
			for _, n := range old {
				c.stop(n)
			}
		})
		close(stop)
		l := <-loaded
		out := verify(t, ctx, l.accepted, got)
		t.Logf("faults: nats: down for %v under load; %d accepted, outcomes %v, each notified once after it came back",
			time.Since(down).Round(time.Second), len(l.accepted), out.statuses)
	})

	t.Run("a broker killed with -9 loses no accepted order and the API refuses only while it is down", func(t *testing.T) {
		script := os.Getenv("ORDERFLOW_TEST_BROKER_SCRIPT")
		if script == "" {
			t.Skip("ORDERFLOW_TEST_BROKER_SCRIPT is not set; `make test` sets it")
		}
		stop := make(chan struct{})
		loaded := make(chan *steadyLoad)
		go func() { loaded <- runLoad(ctx, clients, 40, 500, stop) }()
		time.Sleep(3 * time.Second)
		killed := time.Now()
		out, err := exec.Command(script, "kill").CombinedOutput()
		require.NoError(t, err, "%s", out)
		dead := time.Now() // the script returns once the process and its ports are gone
		time.Sleep(5 * time.Second)
		restarting := time.Now()
		out, err = exec.Command(script, "start").CombinedOutput()
		require.NoError(t, err, "%s", out)
		back := time.Now()
		close(stop)
		l := <-loaded
		res := verify(t, ctx, l.accepted, got)
		var refusedFirst, refusedLast time.Time
		for _, a := range l.answers {
			if a.status == http.StatusCreated && a.start.After(dead) && a.end.Before(restarting) {
				t.Errorf("an order was accepted while the broker was down (%v to %v)", a.start, a.end)
			}
			if a.status != http.StatusCreated {
				require.Equal(t, http.StatusServiceUnavailable, a.status)
				require.True(t, a.end.After(killed), "refused before the broker went down")
				if refusedFirst.IsZero() || a.end.Before(refusedFirst) {
					refusedFirst = a.end
				}
				if a.end.After(refusedLast) {
					refusedLast = a.end
				}
			}
		}
		t.Logf("faults: broker: killed at +0s, restarted at +%v, answering at +%v; %d accepted, answers:%s; refusals from +%v to +%v; outcomes %v",
			restarting.Sub(killed).Round(100*time.Millisecond), back.Sub(killed).Round(100*time.Millisecond), len(l.accepted), l.summary(),
			since(killed, refusedFirst), since(killed, refusedLast), res.statuses)
		require.False(t, refusedLast.After(back.Add(time.Minute)), "the API kept refusing a minute after the broker was back")
	})
}

func since(t0, t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return t.Sub(t0).Round(100 * time.Millisecond)
}

// probe places an order and returns when it has reached a terminal status:
// the time at which the system was whole again.
func probe(t *testing.T, ctx context.Context, c *client) time.Time {
	t.Helper()
	var o apiOrder
	for {
		var status int
		var err error
		o, status, err = c.place(ctx, "tok_visa", "")
		require.NoError(t, err)
		if status == http.StatusCreated {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitTerminal(t, ctx, []*placed{{id: o.ID, customer: c}})
	return time.Now()
}
