// Command benchscale measures how orderflow's costs grow with the order
// history: it fills a real broker's group tables with N orders, straight in
// the project's own schemas, then starts each service as a new instance (no
// local data) and again with its data kept, and prints how long each took to
// be ready, its memory, and the API's read latency at a fixed rate.
//
//	benchscale -brokers 127.0.0.1:29092 -n 100000,1000000
//
// It runs the real orderflow binary (-bin) as separate processes, one at a
// time, and stops each before the next; `make bench-scale` starts a fresh
// broker for it. The figures are printed, never asserted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// config is what a run needs.
type config struct {
	brokers  []string
	sizes    []int
	bin      string
	work     string
	readRate int
	readFor  time.Duration
	perCust  int
	// fillOnly fills the broker and stops, leaving it for experiments;
	// filled says a broker filled so already holds the orders.
	fillOnly, filled bool
	logLevel         string
	// only, when set, is the one service kind to measure.
	only string
}

func parse(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("benchscale", flag.ContinueOnError)
	brokers := fs.String("brokers", "127.0.0.1:29092", "Kafka bootstrap brokers")
	sizes := fs.String("n", "100000,1000000", "order counts to measure at, ascending, comma separated")
	fs.StringVar(&c.bin, "bin", "bin/orderflow", "the orderflow binary")
	fs.StringVar(&c.work, "work", ".data/bench-scale", "folder for the services' data and logs")
	fs.IntVar(&c.readRate, "read-rate", 500, "API reads per second while measuring latency")
	fs.DurationVar(&c.readFor, "read-for", 10*time.Second, "how long each read measurement runs")
	fs.IntVar(&c.perCust, "orders-per-customer", 50, "orders of each customer")
	fs.BoolVar(&c.fillOnly, "fill-only", false, "fill the broker up to the largest count, measure nothing")
	fs.BoolVar(&c.filled, "filled", false, "the broker already holds the orders (from -fill-only with one count): measure without filling")
	fs.StringVar(&c.logLevel, "log-level", "warn", "the services' LOG_LEVEL; their logs are under -work")
	fs.StringVar(&c.only, "only", "", "measure only this service: api, payment, shipping, notifications or orders")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.brokers = strings.Split(*brokers, ",")
	prev := 0
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= prev {
			return c, fmt.Errorf("-n: %q is not an ascending list of counts", *sizes)
		}
		c.sizes, prev = append(c.sizes, n), n
	}
	return c, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.work, 0o750); err != nil {
		return fmt.Errorf("creating %s: %w", c.work, err)
	}
	b, err := newBench(ctx, c, out)
	if err != nil {
		return err
	}
	defer b.close()
	var results []result
	filled := 0
	for _, n := range c.sizes {
		start := time.Now()
		if c.filled {
			filled = n
		}
		if err := b.fill(ctx, filled, n); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "filled %d orders (%d new) into the four group tables in %v\n", n, n-filled, time.Since(start).Round(time.Millisecond)); err != nil {
			return err
		}
		filled = n
		if c.fillOnly {
			continue
		}
		r, err := b.measure(ctx, n)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	return report(out, results)
}
