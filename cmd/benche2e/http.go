package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"orderflow/internal/benchkit"
)

// rateResult is what one rate over HTTP found.
type rateResult struct {
	rate               float64
	accepted, notified float64 // per second
	lat                benchkit.Sorted
	missing, dups      int
	refused            string
	records            float64 // per order
	// CPU per order: the broker's, the `orderflow all` process's, and the
	// benchmark's own (the load, the receipts and the embedded NATS). They
	// share the machine: at capacity, times the orders/s, they add up to
	// its cores, if nothing else runs on it.
	brokerMS, orderflowMS, benchMS float64
}

// overHTTP is part c: `orderflow all` at each rate in turn, one process
// for all of them, each rate's notifications awaited before the next.
func (b *bench) overHTTP(ctx context.Context, r *report) error {
	b.say("c: orderflow all over HTTP at %v orders/s, %v each", b.cfg.rates, b.cfg.stepFor)
	s, err := b.start("all", filepath.Join(b.cfg.work, "all"))
	if err != nil {
		return err
	}
	if _, err := s.WaitReady(ctx, s.base, 3*time.Minute); err != nil {
		return errors.Join(err, s.Stop())
	}
	if err = b.warmHTTP(ctx, s.base); err == nil && b.cfg.warmFor > 0 {
		err = b.warmBroker(ctx, s.base, slices.Min(b.cfg.rates))
	}
	if err == nil {
		// Until idle: the first rate must not share the machine with the
		// compactions and catch-up of a process just started.
		if _, idleErr := s.WaitIdle(ctx, 2*time.Minute); idleErr != nil {
			b.say("c: going on: %v", idleErr)
		}
	}
	for i, rate := range b.cfg.rates {
		if err != nil {
			break
		}
		var res rateResult
		if res, err = b.measureRate(ctx, s, i, rate); err == nil {
			r.rates = append(r.rates, res)
		}
	}
	return errors.Join(err, s.Stop())
}

// warmHTTP places one order per partition's worth and waits until all are
// notified: the API's views and every group are warm.
func (b *bench) warmHTTP(ctx context.Context, api string) error {
	st := b.openLoop(ctx, api, 50, time.Duration(4*b.cfg.partitions)*20*time.Millisecond, func(int) string { return "e2e-warm" }, func(int) {})
	if len(st.accepted) == 0 {
		return fmt.Errorf("warming up: no order accepted (%v)", st.refused)
	}
	_, _, err := b.receipts.await(ctx, ids(st.accepted), 3*time.Minute, 5*time.Minute, func(int) {})
	if err != nil {
		return fmt.Errorf("warming up: %w", err)
	}
	return nil
}

// warmBroker sends orders at rate for -warm and waits for them, unmeasured.
// The broker is a JVM started for this run: in its first half-minute under
// load its JIT compilers took about 12 s of CPU (counted per thread in
// /proc/<pid>/task), a fifth of this machine's two cores, which would count
// against the first rate.
func (b *bench) warmBroker(ctx context.Context, api string, rate float64) error {
	b.say("c: warming the broker up: %v at %.0f/s, not measured", b.cfg.warmFor, rate)
	st := b.openLoop(ctx, api, rate, b.cfg.warmFor, func(n int) string { return fmt.Sprintf("e2e-warm-c%d", n%b.cfg.customers) }, func(int) {})
	got, _, err := b.receipts.await(ctx, ids(st.accepted), b.cfg.drain, b.cfg.drain, func(int) {})
	if ctx.Err() != nil {
		return fmt.Errorf("warming the broker up: %w", ctx.Err())
	}
	b.say("c: warmed up: %d accepted, refused %s, %d notified", len(st.accepted), refused(st), got)
	if err != nil {
		// The rates measure what they find; a late warm-up order only says
		// the first rate starts with a backlog.
		b.say("c: going on: warming the broker up: %v", err)
	}
	return nil
}

func (b *bench) measureRate(ctx context.Context, s *service, i int, rate float64) (rateResult, error) {
	api := s.base
	before, err := b.usage()
	if err != nil {
		return rateResult{}, err
	}
	processes := []int{s.Pid(), os.Getpid()} // orderflow all, the benchmark
	cpuBefore, err := cpuTimes(processes)
	if err != nil {
		return rateResult{}, err
	}
	total := int(rate * b.cfg.stepFor.Seconds())
	label := fmt.Sprintf("  %.0f/s", rate)
	bar := benchkit.NewProgress(b.progress, label, total)
	customer := func(n int) string { return fmt.Sprintf("e2e-http%d-c%d", i, n%b.cfg.customers) }
	st := b.openLoop(ctx, api, rate, b.cfg.stepFor, customer, func(n int) { bar.Update(n, fmt.Sprintf("%d of %d posted", n, total)) })
	bar.Done(total, fmt.Sprintf("%d accepted, refused %v", len(st.accepted), st.refused))
	want := ids(st.accepted)
	bar = benchkit.NewProgress(b.progress, label, len(want))
	got, last, err := b.receipts.await(ctx, want, b.cfg.drain, b.cfg.drain, func(got int) { bar.Update(got, fmt.Sprintf("%d of %d notified", got, len(want))) })
	bar.Done(got, fmt.Sprintf("%d of %d notified", got, len(want)))
	if err != nil && ctx.Err() != nil {
		return rateResult{}, err
	}
	cpuAfter, err := cpuTimes(processes)
	if err != nil {
		return rateResult{}, err
	}
	spent, err := b.spentSince(before)
	if err != nil {
		return rateResult{}, err
	}
	time.Sleep(time.Second) // a duplicate, if any, comes right after
	res := b.rateResult(st, last)
	n := max(len(want), 1)
	perOrder := func(d time.Duration) float64 { return ms(d) / float64(n) }
	res.records, res.brokerMS = float64(spent.total())/float64(n), perOrder(spent.cpu)
	res.orderflowMS, res.benchMS = perOrder(cpuAfter[0]-cpuBefore[0]), perOrder(cpuAfter[1]-cpuBefore[1])
	b.say("%.0f/s: %.0f accepted/s, %.0f notified/s, p50 %v p99 %v, %d missing, %d duplicates; %s; orderflow CPU %.3f ms/order, benchmark %.3f",
		rate, res.accepted, res.notified, short(res.lat.P(50)), short(res.lat.P(99)), res.missing, res.dups, spent.perOrder(n), res.orderflowMS, res.benchMS)
	if err := res.lat.WriteHistogram(b.out, "    "); err != nil {
		return res, err
	}
	return res, nil
}

// rateResult reads each accepted order's receipt: its latency from the
// POST's schedule, or its absence, or its copies.
func (b *bench) rateResult(st *step, last time.Time) rateResult {
	res := rateResult{rate: st.rate, accepted: float64(len(st.accepted)) / b.cfg.stepFor.Seconds(), refused: refused(st)}
	var lat benchkit.Latencies
	notified := 0
	for _, s := range st.accepted {
		rc, ok := b.receipts.get(s.id)
		if !ok {
			res.missing++
			continue
		}
		notified++
		lat.Add(rc.at.Sub(s.due))
		res.dups += rc.n - 1
	}
	if notified > 0 {
		res.notified = float64(notified) / last.Sub(st.start).Seconds()
	}
	res.lat = lat.Sorted()
	return res
}

// refused says which answers other than 201 came, and how often.
func refused(st *step) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(st.refused)) {
		parts = append(parts, fmt.Sprintf("%d×%s", st.refused[k], k))
	}
	if st.lagged > 0 {
		parts = append(parts, fmt.Sprintf("%d sent late", st.lagged))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// cpuTimes reads the CPU time of each process.
func cpuTimes(pids []int) ([]time.Duration, error) {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		var err error
		if out[i], err = benchkit.CPUTime(pid); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ids(s []sent) []string {
	out := make([]string, len(s))
	for i, o := range s {
		out[i] = o.id
	}
	return out
}
