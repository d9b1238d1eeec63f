package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// sent is one order the open loop placed.
type sent struct {
	id  string
	due time.Time // when it was meant to go out: latency counts from here
}

// step is what one rate's open loop did.
type step struct {
	rate     float64
	start    time.Time
	accepted []sent
	refused  map[string]int // answers other than 201, by status or error
	lagged   int            // orders sent late because maxOutstanding were out
}

// maxOutstanding bounds the requests out at once, so that an API that stops
// answering cannot take every socket and goroutine of the benchmark.
const maxOutstanding = 4096

// openLoop posts orders at rate for d, each on its schedule whatever the
// answers before it took: a slow API does not slow the load, and its
// slowness shows in the latencies, counted from the schedule.
func (b *bench) openLoop(ctx context.Context, api string, rate float64, d time.Duration, customer func(i int) string, tick func(sent int)) *step {
	s := &step{rate: rate, start: time.Now(), refused: map[string]int{}}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: maxOutstanding}}
	defer client.CloseIdleConnections()
	var (
		mu          sync.Mutex
		wg          sync.WaitGroup
		outstanding = make(chan struct{}, maxOutstanding)
		total       = int(rate * d.Seconds())
		posted      atomic.Int64
	)
	for i := 0; i < total && ctx.Err() == nil; i++ {
		due := s.start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(due))
		select {
		case outstanding <- struct{}{}:
		default:
			s.lagged++
			outstanding <- struct{}{}
		}
		wg.Add(1)
		go func() {
			defer func() { <-outstanding; wg.Done() }()
			id, outcome := b.post(ctx, client, api, customer(i))
			mu.Lock()
			if id != "" {
				s.accepted = append(s.accepted, sent{id: id, due: due})
			} else {
				s.refused[outcome]++
			}
			mu.Unlock()
			tick(int(posted.Add(1)))
		}()
	}
	wg.Wait()
	return s
}

// orderBody is a POST /orders body like the integration tests'.
var orderBody = mustJSON(map[string]any{
	"items":         []map[string]any{{"sku": "mug-01", "quantity": 2, "unit_price_cents": 1250}, {"sku": "tea-07", "quantity": 1, "unit_price_cents": 499}},
	"currency":      "EUR",
	"payment_token": "tok_visa",
	"shipping_address": map[string]string{
		"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
	},
})

// post places one order for customer and returns its id, or what the API
// said instead.
func (b *bench) post(ctx context.Context, client *http.Client, api, customer string) (id, outcome string) {
	token, err := b.tokens.For(customer)
	if err != nil {
		return "", "token"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api+"/orders", bytes.NewReader(orderBody))
	if err != nil {
		return "", "request"
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", "no answer"
	}
	defer func() { _ = resp.Body.Close() }()
	var o struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", fmt.Sprint(resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil || o.ID == "" {
		return "", "201 without an id"
	}
	return o.ID, ""
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encoding %T: %v", v, err)) // our own literal always encodes
	}
	return b
}
