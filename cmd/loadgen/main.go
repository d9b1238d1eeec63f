// Command loadgen places orders against a running orderflow API and prints
// the figures: accepted orders per second and the latency of POST /orders,
// as percentiles and a histogram. A progress bar on stderr shows how far it
// is.
//
//	loadgen -url http://127.0.0.1:8080 -orders 2000 -concurrency 16 -rate 0
//
// It mints its own development tokens, so it needs AUTH_HS256_SECRET, and it
// stops by itself after -orders orders or -duration, whichever comes first.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"orderflow/internal/benchkit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type config struct {
	url         string
	orders      int
	concurrency int
	rate        float64
	customers   int
	duration    time.Duration
	secret      string
}

func run(ctx context.Context, args []string, out, progress io.Writer) error {
	var c config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "API base URL")
	fs.IntVar(&c.orders, "orders", 1000, "orders to place")
	fs.IntVar(&c.concurrency, "concurrency", 16, "requests in flight")
	fs.Float64Var(&c.rate, "rate", 0, "orders per second; 0 for as fast as possible")
	fs.IntVar(&c.customers, "customers", 50, "distinct customers")
	fs.DurationVar(&c.duration, "duration", 5*time.Minute, "stop after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.secret = os.Getenv("AUTH_HS256_SECRET")
	if c.secret == "" {
		return fmt.Errorf("AUTH_HS256_SECRET is not set")
	}
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	r, err := load(ctx, c, benchkit.NewProgress(progress, "loadgen", c.orders))
	if err != nil {
		return err
	}
	return r.print(out)
}

type result struct {
	ok, failed int64
	elapsed    time.Duration
	latencies  benchkit.Latencies
}

// note is what the progress bar says after the bar.
func (r *result) note(start time.Time) string {
	ok := atomic.LoadInt64(&r.ok)
	return fmt.Sprintf("%d accepted, %d failed, %.0f/s", ok, atomic.LoadInt64(&r.failed), float64(ok)/time.Since(start).Seconds())
}

func load(ctx context.Context, c config, bar *benchkit.Progress) (*result, error) {
	minter := benchkit.NewTokens(c.secret)
	tokens := make([]string, c.customers)
	for i := range tokens {
		tok, err := minter.For(fmt.Sprintf("load-%d", i))
		if err != nil {
			return nil, err
		}
		tokens[i] = tok
	}
	body, _ := json.Marshal(map[string]any{
		"items":         []map[string]any{{"sku": "mug-01", "quantity": 2, "unit_price_cents": 1250}},
		"currency":      "EUR",
		"payment_token": "tok_visa",
		"shipping_address": map[string]string{
			"name": "Load Test", "line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE",
		},
	})
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency}}
	jobs := make(chan int)
	var r result
	var wg sync.WaitGroup
	start := time.Now()
	for range c.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				err := post(ctx, client, c.url, tokens[i%len(tokens)], body)
				d := time.Since(t0)
				if err != nil {
					atomic.AddInt64(&r.failed, 1)
				} else {
					atomic.AddInt64(&r.ok, 1)
					r.latencies.Add(d)
				}
				bar.Update(int(atomic.LoadInt64(&r.ok)+atomic.LoadInt64(&r.failed)), r.note(start))
			}
		}()
	}
	var tick <-chan time.Time
	if c.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / c.rate))
		defer t.Stop()
		tick = t.C
	}
feed:
	for i := range c.orders {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				break feed
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	bar.Done(int(r.ok+r.failed), r.note(start))
	r.elapsed = time.Since(start)
	return &r, nil
}

func post(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/orders", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// print writes the report, which is loadgen's whole output: a report that
// could not be written is a failed run.
func (r *result) print(out io.Writer) error {
	lat := r.latencies.Sorted()
	p := func(q float64) time.Duration { return lat.P(q).Round(10 * time.Microsecond) }
	if _, err := fmt.Fprintf(out, "loadgen: %d accepted, %d failed in %v: %.0f orders/s\n"+
		"loadgen: POST /orders latency p50 %v p90 %v p99 %v max %v\n",
		r.ok, r.failed, r.elapsed.Round(time.Millisecond), float64(r.ok)/r.elapsed.Seconds(),
		p(50), p(90), p(99), p(100)); err != nil {
		return err
	}
	return lat.WriteHistogram(out, "loadgen:   ")
}
