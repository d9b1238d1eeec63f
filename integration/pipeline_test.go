package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"orderflow/notify"
)

// notifications collects what a JetStream consumer receives.
type notifications struct {
	mu   sync.Mutex
	byID map[string][]notify.Message
	at   map[string]time.Time
	all  int
}

func watchNotifications(t *testing.T, ctx context.Context, natsURL, prefix string) *notifications {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := notify.EnsureStream(ctx, js)
	require.NoError(t, err)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{notify.SubjectPrefix + ">"},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	require.NoError(t, err)
	n := &notifications{byID: map[string][]notify.Message{}, at: map[string]time.Time{}}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		now := time.Now()
		var msg notify.Message
		if json.Unmarshal(m.Data(), &msg) != nil || !strings.HasPrefix(msg.CustomerID, prefix) {
			return
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		n.all++
		n.byID[msg.OrderID] = append(n.byID[msg.OrderID], msg)
		if _, ok := n.at[msg.OrderID]; !ok {
			n.at[msg.OrderID] = now
		}
	})
	require.NoError(t, err)
	t.Cleanup(cc.Stop)
	return n
}

func (n *notifications) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.all
}

// placed is what the test knows of one order it placed.
type placed struct {
	id        string
	customer  *client
	accepted  time.Time
	declines  bool
	cancelled int // status of the cancel request, 0 if none
}

func TestPipelineEndToEnd(t *testing.T) {
	const (
		orders    = 500
		customers = 25
		workers   = 16
	)
	ns := startNATS(t)
	sys := startSystem(t, ns.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	run := fmt.Sprintf("e2e%d", time.Now().UnixNano())
	got := watchNotifications(t, ctx, ns.ClientURL(), run)
	clients := make([]*client, customers)
	for i := range clients {
		clients[i] = newClient(t, sys.base, fmt.Sprintf("%s-c%d", run, i))
	}
	// Measure a warm system: every group has joined and recovered.
	probe(t, ctx, newClient(t, sys.base, "warmup"))

	// Place the orders: every 10th declines, every 10th (another one) is
	// cancelled as soon as the API knows it.
	all := make([]*placed, orders)
	jobs := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, orders)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				p, err := placeOne(ctx, clients[i%customers], i)
				if err != nil {
					errs <- err
					continue
				}
				all[i] = p
			}
		}()
	}
	for i := range orders {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	placedIn := time.Since(start)

	// Wait until every order is terminal through the API.
	final := waitTerminal(t, ctx, all)
	require.Eventually(t, func() bool { return got.count() >= orders }, 60*time.Second, 50*time.Millisecond,
		"every order is notified over NATS")
	done := time.Since(start)
	// Give duplicates, if any, time to show up before counting.
	time.Sleep(2 * time.Second)

	var latencies []time.Duration
	counts := map[string]int{}
	got.mu.Lock()
	defer got.mu.Unlock()
	require.Equal(t, orders, got.all, "exactly one notification per order and nothing else")
	for _, p := range all {
		msgs := got.byID[p.id]
		require.Len(t, msgs, 1, "order %s notifications", p.id)
		o := final[p.id]
		counts[o.Status]++
		require.Equal(t, p.customer.id, msgs[0].CustomerID)
		switch {
		case p.declines:
			require.Equal(t, "payment_failed", o.Status, p.id)
			require.Equal(t, "payment_failed", string(msgs[0].Status))
		case p.cancelled == http.StatusAccepted:
			// The stages decide: cancelled if the request beat the parcel.
			require.Contains(t, []string{"cancelled", "notified"}, o.Status, p.id)
			require.NotNil(t, o.CancelRequestedAt)
			if o.Status == "cancelled" {
				require.Equal(t, "cancelled", string(msgs[0].Status))
			}
		default:
			require.Equal(t, "notified", o.Status, p.id)
			require.Equal(t, "notified", string(msgs[0].Status), "the message says what the API shows")
		}
		requireHistoryInOrder(t, o)
		latencies = append(latencies, got.at[p.id].Sub(p.accepted))
	}
	slices.Sort(latencies)
	t.Logf("pipeline: %d orders placed in %v (%.0f orders/s accepted), all notified after %v (%.0f orders/s end to end)",
		orders, placedIn.Round(time.Millisecond), float64(orders)/placedIn.Seconds(), done.Round(time.Millisecond), float64(orders)/done.Seconds())
	t.Logf("pipeline: latency from 201 to NATS notification: p50 %v, p90 %v, p99 %v, max %v",
		pct(latencies, 50), pct(latencies, 90), pct(latencies, 99), latencies[len(latencies)-1].Round(time.Millisecond))
	t.Logf("pipeline: outcomes %v", counts)
}

func pct(d []time.Duration, p int) time.Duration {
	return d[(len(d)-1)*p/100].Round(100 * time.Microsecond)
}

func placeOne(ctx context.Context, c *client, i int) (*placed, error) {
	card := "tok_visa"
	if i%10 == 3 {
		card = "tok_decline"
	}
	o, status, err := c.place(ctx, card, "")
	if err != nil {
		return nil, fmt.Errorf("placing order %d: status %d: %w", i, status, err)
	}
	if status != http.StatusCreated {
		return nil, fmt.Errorf("placing order %d: status %d", i, status)
	}
	p := &placed{id: o.ID, customer: c, accepted: time.Now(), declines: card == "tok_decline"}
	if i%10 == 7 {
		// The order reaches the view a moment after the 201.
		for {
			status, err := c.cancel(ctx, o.ID)
			if err != nil {
				return nil, err
			}
			if status != http.StatusNotFound {
				p.cancelled = status
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if p.cancelled != http.StatusAccepted && p.cancelled != http.StatusConflict {
			return nil, fmt.Errorf("cancelling %s: status %d", o.ID, p.cancelled)
		}
	}
	return p, nil
}

func waitTerminal(t *testing.T, ctx context.Context, all []*placed) map[string]apiOrder {
	t.Helper()
	final := map[string]apiOrder{}
	for _, p := range all {
		for {
			o, status, err := p.customer.get(ctx, p.id)
			require.NoError(t, err)
			if status == http.StatusOK && slices.Contains([]string{"notified", "payment_failed", "cancelled"}, o.Status) {
				final[p.id] = o
				break
			}
			require.NoError(t, ctx.Err(), "order %s stuck at %q", p.id, o.Status)
			time.Sleep(20 * time.Millisecond)
		}
	}
	return final
}

func requireHistoryInOrder(t *testing.T, o apiOrder) {
	t.Helper()
	require.NotEmpty(t, o.History)
	require.Equal(t, "created", o.History[0].Status, o.ID)
	require.Equal(t, o.Status, o.History[len(o.History)-1].Status, o.ID)
	for i := 1; i < len(o.History); i++ {
		require.False(t, o.History[i].At.Before(o.History[i-1].At), "history of %s goes back in time", o.ID)
	}
}
