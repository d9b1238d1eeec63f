package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"orderflow/internal/benchkit"
	"orderflow/topology"
)

// stagesRun is what one run of the stages alone found.
type stagesRun struct {
	orders    int
	notified  float64 // orders/s from the first record placed to the last notification
	paid      float64 // orders/s from the first record placed to the last on payed_orders
	records   float64 // written per order, every topic
	brokerCPU time.Duration
	stagesCPU time.Duration // the three stages' processes together
}

// stagesAlone is part b: the stages with the simulated gateway at full speed.
func (b *bench) stagesAlone(ctx context.Context, r *report) error {
	b.say("b: the stages alone, %d orders straight into new_orders", b.cfg.stageOrders)
	s, err := b.runStages(ctx, "stages", b.cfg.stageOrders, 0)
	if err != nil {
		return err
	}
	r.add("b", "stages alone: orders/s, new_orders to NATS receipt", "%.0f", s.notified)
	r.add("b", "stages alone: records written per order (every topic)", "%.2f", s.records)
	r.add("b", "stages alone: broker CPU per order (ms)", "%.3f", ms(s.brokerCPU)/float64(s.orders))
	r.add("b", "stages alone: the stages' CPU per order (ms)", "%.3f", ms(s.stagesCPU)/float64(s.orders))
	return nil
}

// slowGateway is part d: the same stages with a slow payment provider.
func (b *bench) slowGateway(ctx context.Context, r *report) error {
	b.say("d: the stages with a %v gateway, %d orders", b.cfg.slowLatency, b.cfg.slowOrders)
	s, err := b.runStages(ctx, "slow", b.cfg.slowOrders, b.cfg.slowLatency)
	if err != nil {
		return err
	}
	r.add("d", fmt.Sprintf("%v gateway: payment orders/s", b.cfg.slowLatency), "%.0f", s.paid)
	r.add("d", fmt.Sprintf("%v gateway: orders/s to NATS receipt", b.cfg.slowLatency), "%.0f", s.notified)
	return nil
}

// stageCommands are the stages, each its own process of the real binary;
// payment runs the simulated gateway, its durable ledger included.
var stageCommands = []string{"payment", "shipping", "notifications"}

// runStages starts the stages new, warms them up and sends n orders
// through them, all placed at once.
func (b *bench) runStages(ctx context.Context, name string, n int, latency time.Duration) (stagesRun, error) {
	var services []*service
	for _, command := range stageCommands {
		s, err := b.start(command, filepath.Join(b.cfg.work, name, command), "GATEWAY_LATENCY="+latency.String())
		if err != nil {
			return stagesRun{}, errors.Join(err, stopAll(services))
		}
		services = append(services, s)
	}
	pids := make([]int, len(services))
	for i, s := range services {
		pids[i] = s.Pid()
	}
	s, err := b.measureStages(ctx, name, n, pids)
	return s, errors.Join(err, stopAll(services))
}

// measureStages places n orders and waits for them; pids are the stages'
// processes, whose CPU it counts.
func (b *bench) measureStages(ctx context.Context, name string, n int, pids []int) (stagesRun, error) {
	if err := b.warmStages(ctx, name); err != nil {
		return stagesRun{}, err
	}
	prefix := "e2e-" + name + "-"
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	paid, err := b.watchKeys(string(topology.PayedOrders), prefix)
	if err != nil {
		return stagesRun{}, err
	}
	defer paid.close()
	before, err := b.usage()
	if err != nil {
		return stagesRun{}, err
	}
	cpuBefore, err := cpuTimes(pids)
	if err != nil {
		return stagesRun{}, err
	}
	start := time.Now()
	if err := b.place(ctx, ids, func(i int) string { return fmt.Sprintf("%sc%d", prefix, i%100) }); err != nil {
		return stagesRun{}, err
	}
	bar := benchkit.NewProgress(b.progress, "  "+name, n)
	got, last, err := b.receipts.await(ctx, ids, time.Minute, 30*time.Minute, func(got int) {
		bar.Update(got, fmt.Sprintf("%d of %d notified, %.0f/s", got, n, float64(got)/time.Since(start).Seconds()))
	})
	bar.Done(got, fmt.Sprintf("%d of %d notified", got, n))
	if err != nil {
		return stagesRun{}, err
	}
	cpuAfter, err := cpuTimes(pids)
	if err != nil {
		return stagesRun{}, err
	}
	var stagesCPU time.Duration
	for i := range pids {
		stagesCPU += cpuAfter[i] - cpuBefore[i]
	}
	spent, err := b.spentSince(before)
	if err != nil {
		return stagesRun{}, err
	}
	payments, paidAt := paid.seen()
	paidRate := 0.0
	if payments > 0 {
		paidRate = float64(payments) / paidAt.Sub(start).Seconds()
	}
	b.say("%s: %d paid, %d notified in %v; %s; the stages' CPU %.3f ms/order", name, payments, got,
		last.Sub(start).Round(time.Millisecond), spent.perOrder(n), ms(stagesCPU)/float64(n))
	return stagesRun{
		orders: n, notified: float64(n) / last.Sub(start).Seconds(), paid: paidRate,
		records: float64(spent.total()) / float64(n), brokerCPU: spent.cpu, stagesCPU: stagesCPU,
	}, nil
}

// warmStages sends a few orders through and waits until all are notified:
// every stage has joined its group, recovered its table and connected, so
// that the run measures a warm pipeline.
func (b *bench) warmStages(ctx context.Context, name string) error {
	ids := make([]string, 4*b.cfg.partitions)
	for i := range ids {
		ids[i] = fmt.Sprintf("e2e-warm-%s-%d", name, i)
	}
	if err := b.place(ctx, ids, func(int) string { return "e2e-warm" }); err != nil {
		return err
	}
	_, _, err := b.receipts.await(ctx, ids, 3*time.Minute, 5*time.Minute, func(int) {})
	if err != nil {
		return fmt.Errorf("warming up: %w", err)
	}
	return nil
}
