package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// answer is what the API said to one POST /orders.
type answer struct {
	status     int
	start, end time.Time
}

// steadyLoad places orders at a fixed rate until stop is closed and at least
// min orders were accepted. Every 10th order declines, every 10th (another)
// pays with a card the gateway fails twice first, and every 20th is
// cancelled once the API knows it.
type steadyLoad struct {
	mu       sync.Mutex
	accepted []*placed
	answers  []answer
}

func runLoad(ctx context.Context, clients []*client, rate float64, minOrders int, stop <-chan struct{}) *steadyLoad {
	l := &steadyLoad{}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	stopped := false
	for i := 0; ; i++ {
		if stopped && l.count() >= minOrders {
			break
		}
		// Orders go out on the tick only, before and after stop: the rate
		// stays steady whatever happens to the system.
	wait:
		for {
			select {
			case <-ctx.Done():
				wg.Wait()
				return l
			case <-stop:
				stopped, stop = true, nil
			case <-tick.C:
				break wait
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.placeOne(ctx, clients[i%len(clients)], i)
		}()
	}
	wg.Wait()
	return l
}

func (l *steadyLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}

func (l *steadyLoad) placeOne(ctx context.Context, c *client, i int) {
	card := "tok_visa"
	switch i % 10 {
	case 3:
		card = "tok_decline"
	case 5:
		card = "tok_flaky" // the gateway fails twice first: retries under faults
	}
	start := time.Now()
	o, status, err := c.place(ctx, card, "")
	end := time.Now()
	l.mu.Lock()
	l.answers = append(l.answers, answer{status: status, start: start, end: end})
	l.mu.Unlock()
	if err != nil || status != http.StatusCreated {
		return
	}
	p := &placed{id: o.ID, customer: c, accepted: end, declines: card == "tok_decline"}
	if i%20 == 7 {
		for ctx.Err() == nil {
			st, err := c.cancel(ctx, o.ID)
			if err == nil && st != http.StatusNotFound && st != http.StatusServiceUnavailable {
				p.cancelled = st
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	l.mu.Lock()
	l.accepted = append(l.accepted, p)
	l.mu.Unlock()
}

// outcome is what verify found.
type outcome struct {
	statuses map[string]int
	charged  int // orders that were charged: notified, or cancelled after payment
	refunded int
	final    map[string]apiOrder // every accepted order as it ended
}

// verify checks the promise: every accepted order reaches a terminal status
// with an orderly history, and its customer got exactly one notification.
func verify(t *testing.T, ctx context.Context, accepted []*placed, got *notifications) outcome {
	t.Helper()
	// A stuck order fails the test in minutes, not at the suite's timeout.
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	final := waitTerminal(t, ctx, accepted)
	ids := map[string]bool{}
	for _, p := range accepted {
		ids[p.id] = true
	}
	require.Eventually(t, func() bool {
		got.mu.Lock()
		defer got.mu.Unlock()
		for id := range ids {
			if len(got.byID[id]) == 0 {
				return false
			}
		}
		return true
	}, 2*time.Minute, 100*time.Millisecond, "every accepted order is notified over NATS")
	time.Sleep(2 * time.Second) // let duplicates, if any, arrive
	out := outcome{statuses: map[string]int{}, final: final}
	got.mu.Lock()
	defer got.mu.Unlock()
	for _, p := range accepted {
		o := final[p.id]
		out.statuses[o.Status]++
		require.Len(t, got.byID[p.id], 1, "notifications of %s", p.id)
		requireHistoryInOrder(t, o)
		switch {
		case p.declines:
			require.Equal(t, "payment_failed", o.Status, p.id)
		case p.cancelled == 0 || p.cancelled == http.StatusConflict:
			require.Equal(t, "notified", o.Status, p.id)
		}
		if o.Status == "payment_failed" && !p.declines {
			// Allowed (the promise is a terminal status), but worth a look.
			t.Logf("faults: %s ended payment_failed without a declining card: %q", p.id, o.History[len(o.History)-1].Reason)
		}
		if o.Status == "notified" || (o.Status == "cancelled" && o.Payment != nil) {
			out.charged++
		}
		if o.Payment != nil && o.Payment.Refunded {
			out.refunded++
		}
	}
	return out
}

func (l *steadyLoad) summary() string {
	codes := map[int]int{}
	for _, a := range l.answers {
		codes[a.status]++
	}
	keys := make([]int, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf(" %d×%d", codes[k], k)
	}
	return s
}
