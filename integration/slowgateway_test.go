package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFaultsWithASlowGateway kills payment and notifications with -9 under
// load while a slow payment provider (200-300 ms an answer) keeps many
// charges out on every partition at once: every accepted order still ends
// terminal, charged once and notified once. At 100 orders/s the load needs
// about 25 charges out at a time, more than the 6 partitions could carry
// one order at a time.
func TestFaultsWithASlowGateway(t *testing.T) {
	kafkaBrokers(t)
	ns := startNATS(t)
	c := newCluster(t, ns.ClientURL(), "GATEWAY_LATENCY=200ms", "GATEWAY_JITTER=100ms")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpStacks()
		}
	})
	run := fmt.Sprintf("s%d", time.Now().UnixNano())
	got := watchNotifications(t, ctx, ns.ClientURL(), run)
	clients := make([]*client, 20)
	for i := range clients {
		clients[i] = newClient(t, c.apiBase, fmt.Sprintf("%s-c%d", run, i))
	}

	before := c.stats(ctx)
	stop := make(chan struct{})
	loaded := make(chan *steadyLoad)
	go func() { loaded <- runLoad(ctx, clients, 100, 2000, stop) }()
	probes := 0
	for round := 1; round <= 2; round++ {
		for _, kind := range []string{"payment", "notifications"} {
			time.Sleep(time.Duration(1000+rand.IntN(1500)) * time.Millisecond)
			killed := time.Now()
			c.kill9(kind)
			time.Sleep(time.Duration(rand.IntN(1000)) * time.Millisecond)
			c.start(kind, kind)
			recovery := probe(t, ctx, clients[0])
			probes++
			t.Logf("slow gateway: round %d: %s killed; order placed after its restart done %v after the kill", round, kind, recovery.Sub(killed).Round(10*time.Millisecond))
		}
	}
	close(stop)
	l := <-loaded
	out := verify(t, ctx, l.accepted, got)
	after := c.stats(ctx)
	t.Logf("slow gateway: %d accepted (answers:%s), outcomes %v; gateway: %d charges for %d charged orders, %d charge requests",
		len(l.accepted), l.summary(), out.statuses, after.Charges-before.Charges, out.charged, after.Requests-before.Requests)
	require.GreaterOrEqual(t, len(l.accepted), 2000)
	require.Equal(t, out.charged, after.Charges-before.Charges-probes, "exactly one charge per charged order")
	require.Equal(t, out.refunded, after.Refunds-before.Refunds)
}
