package integration

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestIdleLatency runs the same light steady load through the pipeline
// with orderflow's defaults (producers wait 2 ms, fetches are answered at
// once), with fetches held 5 ms (KAFKA_FETCH_WAIT) and with nothing
// waiting, side by side, and prints the latency from 201 to the NATS
// notification: what each wait costs an order when the machine is idle. It prints figures; it asserts only that every
// order arrived.
func TestIdleLatency(t *testing.T) {
	kafkaBrokers(t)
	const orders, rate = 200, 50.0
	settings := []struct{ name, flush, fetch string }{
		{"orderflow's defaults", "2ms", "0s"},
		{"fetches held 5 ms", "2ms", "5ms"},
		{"nothing waits", "0s", "0s"},
	}
	results := map[string][]time.Duration{}
	for _, set := range settings {
		t.Run(set.name, func(t *testing.T) {
			ns := startNATS(t)
			sys := startSystem(t, ns.ClientURL(), "KAFKA_FLUSH_FREQUENCY="+set.flush, "KAFKA_FETCH_WAIT="+set.fetch)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			run := fmt.Sprintf("lat%s%s%d", set.flush, set.fetch, time.Now().UnixNano())
			got := watchNotifications(t, ctx, ns.ClientURL(), run)
			c := newClient(t, sys.base, run+"-c")
			probe(t, ctx, c) // warm: groups joined, connections open
			var mu sync.Mutex
			var placedAt []*placed
			tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
			var wg sync.WaitGroup
			for range orders {
				<-tick.C
				wg.Add(1)
				go func() {
					defer wg.Done()
					o, status, err := c.place(ctx, "tok_visa", "")
					if err == nil && status == 201 {
						mu.Lock()
						placedAt = append(placedAt, &placed{id: o.ID, customer: c, accepted: time.Now()})
						mu.Unlock()
					}
				}()
			}
			tick.Stop()
			wg.Wait()
			require.Len(t, placedAt, orders)
			require.Eventually(t, func() bool {
				got.mu.Lock()
				defer got.mu.Unlock()
				for _, p := range placedAt {
					if _, ok := got.at[p.id]; !ok {
						return false
					}
				}
				return true
			}, time.Minute, 20*time.Millisecond)
			got.mu.Lock()
			var lat []time.Duration
			for _, p := range placedAt {
				lat = append(lat, got.at[p.id].Sub(p.accepted))
			}
			got.mu.Unlock()
			slices.Sort(lat)
			results[set.name] = lat
		})
	}
	for _, set := range settings {
		lat := results[set.name]
		if len(lat) == 0 {
			continue
		}
		t.Logf("latency: producer flush %-3s, fetch wait %-3s (%d orders at %.0f/s): 201 -> NATS notification p50 %v, p90 %v, p99 %v",
			set.flush, set.fetch, len(lat), rate, pct(lat, 50), pct(lat, 90), pct(lat, 99))
	}
}
