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
	"time"

	"github.com/IBM/sarama"
	"github.com/nats-io/nats-server/v2/server"

	"orderflow/internal/benchkit"
	"orderflow/kafka"
	"orderflow/notify"
)

// bench is one benchmark run against one broker.
type bench struct {
	cfg    config
	out    io.Writer
	sarama *sarama.Config
	nats   *server.Server

	tokens *benchkit.Tokens
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
	return &bench{cfg: c, out: out, sarama: sc, nats: ns, tokens: benchkit.NewTokens(secret)}, nil
}

func (b *bench) close() {
	b.nats.Shutdown()
}

// result is every figure measured at one order count.
type result struct {
	n       int
	values  map[string]float64
	samples map[string][]float64
}

func (r result) set(metric string, v float64) { r.values[metric] = v }

// max keeps the largest value of metric.
func (r result) max(metric string, v float64) { r.values[metric] = max(r.values[metric], v) }

// add sums metric.
func (r result) add(metric string, v float64) { r.values[metric] += v }

// sample keeps one of several values of metric; medians sets their median.
func (r result) sample(metric string, v float64) { r.samples[metric] = append(r.samples[metric], v) }

// medians sets every sampled metric to the median of its samples.
func (r result) medians() {
	for m, vs := range r.samples {
		s := slices.Clone(vs)
		slices.Sort(s)
		r.values[m] = s[len(s)/2]
	}
}

// measure starts every service, new and then restarted, at n orders.
func (b *bench) measure(ctx context.Context, n int) (result, error) {
	r := result{n: n, values: map[string]float64{}, samples: map[string][]float64{}}
	if b.cfg.only == "" || b.cfg.only == "api" {
		if err := b.measureAPI(ctx, r); err != nil {
			return r, err
		}
	}
	for _, k := range stageKinds() {
		if b.cfg.only != "" && b.cfg.only != k.kind {
			continue
		}
		if err := b.measureStage(ctx, r, k); err != nil {
			return r, err
		}
	}
	return r, nil
}

// repeats is how often each figure is measured; the median is reported.
const repeats = 3

func (b *bench) measureAPI(ctx context.Context, r result) error {
	var news, kept []time.Duration
	for i := range repeats {
		dir := filepath.Join(b.cfg.work, fmt.Sprintf("api-%d-%d", r.n, i))
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clearing %s: %w", dir, err)
		}
		s, ready, err := b.startAPI(ctx, dir)
		if err != nil {
			return err
		}
		news = append(news, ready)
		b.progress("%d orders: api ready as a new instance after %v", r.n, ready.Round(time.Millisecond))
		rss, err := s.rssMiB()
		r.max("api: RSS, new instance after recovery (MiB, most of 3)", rss)
		if err := errors.Join(err, b.settle(ctx, r, s, "api"), s.Stop()); err != nil {
			return err
		}
		r.set("api: local data (MiB)", duMiB(dir))
		if s, ready, err = b.startAPI(ctx, dir); err != nil {
			return err
		}
		kept = append(kept, ready)
		// The restarted API serves the reads once LevelDB has finished the
		// compactions the restart left it: an API in its steady state.
		settled, err := s.WaitIdle(ctx, 2*time.Minute)
		r.max("api: restarted, until idle (s, most of 3)", settled.Seconds())
		if err == nil {
			err = b.measureReads(ctx, r, s)
		}
		if err := errors.Join(err, s.Stop(), os.RemoveAll(dir)); err != nil {
			return err
		}
	}
	r.set("api: ready, new instance (s, median of 3)", median(news).Seconds())
	r.set("api: ready, restart with data kept (s, median of 3)", median(kept).Seconds())
	r.medians()
	return nil
}

func (b *bench) startAPI(ctx context.Context, dir string) (*service, time.Duration, error) {
	s, err := b.start("api", dir)
	if err != nil {
		return nil, 0, err
	}
	ready, err := s.waitReady(ctx, 15*time.Minute)
	if err != nil {
		return nil, 0, errors.Join(err, s.Stop())
	}
	return s, ready, nil
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
	r.sample("api: GET /orders/{id} p50 (ms, median of 3)", ms(byID.p50))
	r.sample("api: GET /orders/{id} p99 (ms, median of 3)", ms(byID.p99))
	r.sample("api: GET /orders (page of 20) p50 (ms, median of 3)", ms(page.p50))
	r.sample("api: GET /orders (page of 20) p99 (ms, median of 3)", ms(page.p99))
	r.add("api: failed reads (all runs)", float64(byID.failed+page.failed))
	rss, err := s.rssMiB()
	r.max("api: RSS, restarted, after reads (MiB, most of 3)", rss)
	return err
}

func (b *bench) measureStage(ctx context.Context, r result, k stageKind) error {
	var news, kept []time.Duration
	for i := range repeats {
		dir := filepath.Join(b.cfg.work, fmt.Sprintf("%s-%d-%d", k.kind, r.n, i))
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clearing %s: %w", dir, err)
		}
		s, took, err := b.probeStage(ctx, k, dir, fmt.Sprintf("probe-%s-%d-new%d", k.kind, r.n, i))
		if err != nil {
			return stopAfter(s, err)
		}
		news = append(news, took)
		b.progress("%d orders: %s processed a new order %v after its start as a new instance", r.n, k.kind, took.Round(time.Millisecond))
		if err := b.settledRSS(r, s, k.kind+": RSS, new instance after recovery (MiB, most of 3)"); err != nil {
			return stopAfter(s, err)
		}
		if err := errors.Join(b.settle(ctx, r, s, k.kind), s.Stop()); err != nil {
			return err
		}
		s, took, err = b.probeStage(ctx, k, dir, fmt.Sprintf("probe-%s-%d-kept%d", k.kind, r.n, i))
		if err != nil {
			return stopAfter(s, err)
		}
		kept = append(kept, took)
		if err := b.settledRSS(r, s, k.kind+": RSS, restarted (MiB, most of 3)"); err != nil {
			return stopAfter(s, err)
		}
		if err := errors.Join(s.Stop(), os.RemoveAll(dir)); err != nil {
			return err
		}
	}
	r.set(k.kind+": processing, new instance (s, median of 3)", median(news).Seconds())
	r.set(k.kind+": processing, restart with data kept (s, median of 3)", median(kept).Seconds())
	return nil
}

// settle lets a new instance finish the compactions its recovery left, as
// a service that has run for a while has, before it is stopped: the restart
// that follows then measures what a restart costs, not the first one's
// leftovers. The time it took is a figure of its own.
func (b *bench) settle(ctx context.Context, r result, s *service, kind string) error {
	took, err := s.WaitIdle(ctx, 5*time.Minute)
	r.max(kind+": new instance, busy after ready (s, most of 3)", took.Seconds())
	return err
}

// settledRSS records a service's memory two seconds after its probe.
func (b *bench) settledRSS(r result, s *service, metric string) error {
	time.Sleep(2 * time.Second)
	rss, err := s.rssMiB()
	r.max(metric, rss)
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
	return errors.Join(err, s.Stop())
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
