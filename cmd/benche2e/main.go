// Command benche2e measures orderflow's throughput from end to end on a real
// broker and NATS, and prints in one run:
//
//   - the broker's raw ceiling: Kafka's own ProducerPerformance, acks=all,
//     records the size of a new_orders record, on as many partitions;
//
//   - the stages alone (payment, shipping, notifications, each a process of
//     the real binary): orders produced straight into new_orders, orders/s
//     until all are notified over NATS, records written, and the broker's
//     and the stages' CPU per order;
//
//   - `orderflow all` over HTTP at fixed open-loop rates, after an
//     unmeasured warm-up of the broker: accepted/s, notified/s, POST to
//     NATS receipt percentiles, missing and duplicates, records written, and
//     the CPU per order of the broker, of `orderflow all` and of the
//     benchmark itself;
//
//   - the stages again with a slow (200 ms) gateway: payment's orders/s.
//
//     benche2e -brokers 127.0.0.1:59092 -broker-pid-file .data/kafka-e2e/kafka.pid
//
// `make bench-e2e` starts a fresh broker for it; NATS it embeds itself. The
// figures are printed, never asserted.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benche2e:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out, progress io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.work, 0o750); err != nil {
		return fmt.Errorf("creating %s: %w", c.work, err)
	}
	b, err := newBench(ctx, c, out, progress)
	if err != nil {
		return err
	}
	defer b.close()
	var r report
	// Over HTTP runs first: the orders group it brings would otherwise
	// begin by catching up on the other parts' orders, which the stages
	// alone do not follow. The ceiling runs last, on an idle broker, with
	// the size of the new_orders records the other parts wrote.
	for _, p := range []struct {
		name string
		run  func(context.Context, *report) error
	}{{"c", b.overHTTP}, {"b", b.stagesAlone}, {"d", b.slowGateway}, {"a", b.ceiling}} {
		if !c.parts[p.name] {
			continue
		}
		if err := p.run(ctx, &r); err != nil {
			return fmt.Errorf("part %s: %w", p.name, err)
		}
	}
	return r.write(out)
}
