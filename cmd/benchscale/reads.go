package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// secret signs the benchmark's tokens; the services it starts use it too.
const secret = "bench-scale-secret-0123456789abcdef01"

// latency is what a read measurement found.
type latency struct {
	p50, p99 time.Duration
	failed   int
}

// reads sends GETs to the API at a fixed rate (open loop: a slow answer does
// not slow the sending) and returns the percentiles of the time from each
// request's scheduled start to its answer. path picks the request for a
// random order index below n and returns its path and customer.
func (b *bench) reads(ctx context.Context, base string, n int, path func(i int) (string, string)) (latency, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	total := int(b.cfg.readFor.Seconds() * float64(b.cfg.readRate))
	interval := time.Second / time.Duration(b.cfg.readRate)
	var (
		mu     sync.Mutex
		took   = make([]time.Duration, 0, total)
		failed int
		wg     sync.WaitGroup
	)
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		if ctx.Err() != nil {
			break
		}
		p, customer := path(rand.IntN(n)) //nolint:gosec // picking orders to read, not a secret
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := get(client, base+p, b.token(customer))
			mu.Lock()
			defer mu.Unlock()
			took = append(took, time.Since(due))
			if !ok {
				failed++
			}
		}()
	}
	wg.Wait()
	if len(took) == 0 {
		return latency{}, fmt.Errorf("no reads made")
	}
	slices.Sort(took)
	return latency{p50: took[len(took)/2], p99: took[len(took)*99/100], failed: failed}, ctx.Err()
}

func get(client *http.Client, url, token string) bool {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// token returns a customer's token, minted once.
func (b *bench) token(customer string) string {
	t, err := b.tokens.For(customer)
	if err != nil {
		panic(err) // fixed, valid claims
	}
	return t
}
