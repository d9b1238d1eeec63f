package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/nats-io/nats-server/v2/server"

	"orderflow/kafka"
	"orderflow/notify"
)

// bench is one benchmark run against one broker.
type bench struct {
	cfg    config
	out    io.Writer
	sarama *sarama.Config
	nats   *server.Server

	mu     sync.Mutex
	tokens map[string]string
}

func newBench(ctx context.Context, c config, out io.Writer) (*bench, error) {
	kc := kafka.Config{Brokers: c.brokers, Partitions: 6, Replication: 1, MaxRecordBytes: 1 << 20}
	if err := kafka.EnsureTopics(ctx, kc, slog.New(slog.DiscardHandler)); err != nil {
		return nil, fmt.Errorf("creating topics: %w", err)
	}
	sc, err := kc.Sarama("orderflow-bench-scale")
	if err != nil {
		return nil, err
	}
	ns, err := notify.StartServer(notify.ServerConfig{Host: "127.0.0.1", Port: -1, StoreDir: filepath.Join(c.work, "nats")})
	if err != nil {
		return nil, fmt.Errorf("starting nats: %w", err)
	}
	return &bench{cfg: c, out: out, sarama: sc, nats: ns, tokens: map[string]string{}}, nil
}

func (b *bench) close() {
	b.nats.Shutdown()
}

// result is every figure measured at one order count.
type result struct {
	n      int
	values map[string]float64
}

func (r result) set(metric string, v float64) { r.values[metric] = v }

// measure starts every service, new and then restarted, at n orders.
func (b *bench) measure(ctx context.Context, n int) (result, error) {
	r := result{n: n, values: map[string]float64{}}
	if err := b.measureAPI(ctx, r); err != nil {
		return r, err
	}
	for _, k := range stageKinds() {
		if err := b.measureStage(ctx, r, k); err != nil {
			return r, err
		}
	}
	return r, nil
}

// restarts is how often a restart with data kept is measured; the median is
// reported.
const restarts = 3

func (b *bench) measureAPI(ctx context.Context, r result) error {
	dir := filepath.Join(b.cfg.work, fmt.Sprintf("api-%d", r.n))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clearing %s: %w", dir, err)
	}
	s, err := b.start("api", dir)
	if err != nil {
		return err
	}
	ready, err := s.waitReady(ctx, 15*time.Minute)
	if err != nil {
		return errors.Join(err, s.stop())
	}
	r.set("api: ready, new instance (s)", ready.Seconds())
	b.progress("%d orders: api ready as a new instance after %v", r.n, ready.Round(time.Millisecond))
	rss, err := s.rssMiB()
	r.set("api: RSS, new instance after recovery (MiB)", rss)
	if err := errors.Join(err, s.stop()); err != nil {
		return err
	}
	r.set("api: local data (MiB)", duMiB(dir))
	var times []time.Duration
	for i := range restarts {
		if s, err = b.start("api", dir); err != nil {
			return err
		}
		ready, err := s.waitReady(ctx, 15*time.Minute)
		if err != nil {
			return errors.Join(err, s.stop())
		}
		times = append(times, ready)
		if i < restarts-1 {
			if err := s.stop(); err != nil {
				return err
			}
		}
	}
	r.set("api: ready, restart with data kept (s, median of 3)", median(times).Seconds())
	// The last restart serves the reads, once LevelDB has finished the
	// compactions the restarts left it: an API in its steady state.
	settled, err := s.waitIdle(ctx, 2*time.Minute)
	r.set("api: restarted, until idle (s)", settled.Seconds())
	if err != nil {
		return errors.Join(err, s.stop())
	}
	return errors.Join(b.measureReads(ctx, r, s), s.stop(), os.RemoveAll(dir))
}

// measureReads reads orders by id and lists pages at the configured rate,
// and takes the API's memory after.
func (b *bench) measureReads(ctx context.Context, r result, s *service) error {
	byID, err := b.reads(ctx, s.base, r.n, func(i int) (string, string) { return "/orders/" + orderID(i), b.customer(i) })
	if err != nil {
		return err
	}
	page, err := b.reads(ctx, s.base, r.n, func(i int) (string, string) { return "/orders?limit=20", b.customer(i) })
	if err != nil {
		return err
	}
	r.set("api: GET /orders/{id} p50 (ms)", ms(byID.p50))
	r.set("api: GET /orders/{id} p99 (ms)", ms(byID.p99))
	r.set("api: GET /orders (page of 20) p50 (ms)", ms(page.p50))
	r.set("api: GET /orders (page of 20) p99 (ms)", ms(page.p99))
	r.set("api: failed reads", float64(byID.failed+page.failed))
	rss, err := s.rssMiB()
	r.set("api: RSS, restarted, after reads (MiB)", rss)
	return err
}

func (b *bench) measureStage(ctx context.Context, r result, k stageKind) error {
	dir := filepath.Join(b.cfg.work, fmt.Sprintf("%s-%d", k.kind, r.n))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clearing %s: %w", dir, err)
	}
	s, took, err := b.probeStage(ctx, k, dir, fmt.Sprintf("probe-%s-%d-new", k.kind, r.n))
	if err != nil {
		return stopAfter(s, err)
	}
	r.set(k.kind+": processing, new instance (s)", took.Seconds())
	b.progress("%d orders: %s processed a new order %v after its start as a new instance", r.n, k.kind, took.Round(time.Millisecond))
	if err := b.settledRSS(r, s, k.kind+": RSS, new instance after recovery (MiB)"); err != nil {
		return stopAfter(s, err)
	}
	if err := s.stop(); err != nil {
		return err
	}
	var times []time.Duration
	for i := range restarts {
		s, took, err = b.probeStage(ctx, k, dir, fmt.Sprintf("probe-%s-%d-kept%d", k.kind, r.n, i))
		if err != nil {
			return stopAfter(s, err)
		}
		times = append(times, took)
		if i == restarts-1 {
			if err := b.settledRSS(r, s, k.kind+": RSS, restarted (MiB)"); err != nil {
				return stopAfter(s, err)
			}
		}
		if err := s.stop(); err != nil {
			return err
		}
	}
	r.set(k.kind+": processing, restart with data kept (s, median of 3)", median(times).Seconds())
	return os.RemoveAll(dir)
}

// settledRSS records a service's memory two seconds after its probe.
func (b *bench) settledRSS(r result, s *service, metric string) error {
	time.Sleep(2 * time.Second)
	rss, err := s.rssMiB()
	r.set(metric, rss)
	return err
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// progress tells the operator how far the run is; the table at the end is
// the result, so a line that cannot be written is not worth stopping for.
func (b *bench) progress(format string, args ...any) {
	_, _ = fmt.Fprintf(b.out, "  "+format+"\n", args...)
}

func stopAfter(s *service, err error) error {
	if s == nil {
		return err
	}
	return errors.Join(err, s.stop())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// duMiB is the size of the files under dir.
func duMiB(dir string) float64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return float64(total) / (1 << 20)
}
