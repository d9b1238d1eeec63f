package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// config is what a run needs.
type config struct {
	brokers    []string
	pidFile    string // the broker's, as broker/kafka.sh keeps it
	script     string // broker/kafka.sh, which runs Kafka's tools
	bin        string
	work       string
	portBase   int
	partitions int32
	parts      map[string]bool
	logLevel   string

	stageOrders int           // (b)
	slowOrders  int           // (d)
	slowLatency time.Duration // (d)
	rates       []float64     // (c)
	stepFor     time.Duration // (c), each rate
	warmFor     time.Duration // (c), unmeasured, before the first rate
	drain       time.Duration // (c), longest wait for the last notifications of a rate
	customers   int           // (c)
	perfRecords int           // (a)
}

// quick are the settings -quick changes unless they are given: a run of a
// few minutes to try the benchmark out, whose figures mean little.
var quick = map[string]string{
	"stage-orders": "2000", "slow-orders": "1000", "rates": "250,500", "step": "5s", "warm": "5s", "drain": "30s", "perf-records": "100000",
}

func parse(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("benche2e", flag.ContinueOnError)
	brokers := fs.String("brokers", "127.0.0.1:59092", "Kafka bootstrap brokers")
	fs.StringVar(&c.pidFile, "broker-pid-file", ".data/kafka-e2e/kafka.pid", "the broker's pid file, for its CPU time")
	fs.StringVar(&c.script, "broker-script", "broker/kafka.sh", "the broker script, which runs Kafka's ProducerPerformance")
	fs.StringVar(&c.bin, "bin", "bin/orderflow", "the orderflow binary")
	fs.StringVar(&c.work, "work", ".data/bench-e2e", "folder for NATS, the services' data and logs")
	fs.IntVar(&c.portBase, "port-base", 59100, "NATS listens here; the services' HTTP and metrics ports follow it")
	partitions := fs.Int("partitions", 6, "partitions of every topic")
	parts := fs.String("parts", "a,b,c,d", "parts to run: a ceiling, b stages alone, c over HTTP, d slow gateway")
	fs.StringVar(&c.logLevel, "log-level", "warn", "the services' LOG_LEVEL; their logs are under -work")
	fs.IntVar(&c.stageOrders, "stage-orders", 30000, "orders through the stages alone")
	fs.IntVar(&c.slowOrders, "slow-orders", 10000, "orders through the stages with the slow gateway")
	fs.DurationVar(&c.slowLatency, "slow-latency", 200*time.Millisecond, "the slow gateway's answer time")
	rates := fs.String("rates", "500,1000,2000,3000", "open-loop rates over HTTP, orders/s, comma separated")
	fs.DurationVar(&c.stepFor, "step", 30*time.Second, "how long each rate is sent")
	fs.DurationVar(&c.warmFor, "warm", 30*time.Second, "how long part c sends its lowest rate, unmeasured, before the rates: the broker's JIT warms up; 0 skips it")
	fs.DurationVar(&c.drain, "drain", 2*time.Minute, "longest wait after a rate for its last notifications")
	fs.IntVar(&c.customers, "customers", 200, "customers placing the orders over HTTP")
	fs.IntVar(&c.perfRecords, "perf-records", 3000000, "records ProducerPerformance sends")
	isQuick := fs.Bool("quick", false, "fewer orders, two low rates, short steps: to try the benchmark out")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if *isQuick {
		if err := applyQuick(fs); err != nil {
			return c, err
		}
	}
	c.brokers = strings.Split(*brokers, ",")
	c.partitions = int32(min(max(*partitions, 1), 1<<16)) //nolint:gosec // clamped to a small range
	c.parts = map[string]bool{}
	for _, p := range strings.Split(*parts, ",") {
		if p = strings.TrimSpace(p); !strings.Contains("abcd", p) || len(p) != 1 {
			return c, fmt.Errorf("-parts: %q is not one of a, b, c, d", p)
		}
		c.parts[p] = true
	}
	var err error
	c.rates, err = parseRates(*rates)
	return c, err
}

// applyQuick sets the quick values of the flags not given.
func applyQuick(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, v := range quick {
		if given[name] {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("-quick: %w", err)
		}
	}
	return nil
}

func parseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("-rates: %q is not a list of positive rates", s)
		}
		rates = append(rates, r)
	}
	return rates, nil
}
