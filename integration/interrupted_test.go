package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/internal/ordertest"
	"orderflow/kafka"
	"orderflow/processors/payment"
	"orderflow/processors/scheduler"
	"orderflow/retry"
	"orderflow/topology"
)

// A charge cut short because its processor stops used to be left
// uncommitted. goka's partition loop could still commit a record queued
// behind it, moving the offset past it for good (sarama's offsets only move
// forward), so the order was never charged; and the uncommitted record made
// goka fail the processor, a restart and two more rebalances. Now the
// interrupted charge is scheduled again and its record commits. This stops a
// real payment processor on the real broker while it holds one charge with
// several orders queued behind it on the same partition, and requires a
// clean stop and, in the next generation, every order charged once.
func TestAnInterruptedChargeIsNotLost(t *testing.T) {
	brokers := strings.Split(kafkaBrokers(t), ",")
	kc := kafka.Config{Brokers: brokers, Partitions: 6, Replication: 1}
	require.NoError(t, kafka.EnsureTopics(context.Background(), kc, slog.New(slog.DiscardHandler)))
	g, err := kafka.NewGoka(kc, t.TempDir(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	run := fmt.Sprintf("interrupted%d", time.Now().UnixNano())
	var all []string
	for round := range 3 {
		all = append(all, keysOnOnePartition(fmt.Sprintf("%s-r%d", run, round), 4, 6)...)
	}
	paid := watchKeys(t, brokers, string(topology.PayedOrders), all)

	for round := range 3 {
		ids := all[round*4 : round*4+4]
		for _, id := range ids {
			p := ordertest.Placed(id, run, "tok_visa")
			p.Order.CreatedAt = time.Now().UTC()
			produceKeyed(t, brokers, string(topology.NewOrders), id, ordertest.Bytes(p))
		}
		gw := &holdingGateway{sim: newSimulated(t), hold: ids[0], reached: make(chan struct{})}
		stop := runPayment(t, g, gw, false)
		select {
		case <-gw.reached:
		case <-time.After(60 * time.Second):
			require.NoError(t, stop())
			t.Fatalf("round %d: the processor never reached the charge of %s", round, ids[0])
		}
		time.Sleep(300 * time.Millisecond) // let the records behind it reach the partition loop
		require.NoError(t, stop(), "round %d: a processor stopped mid-charge stops cleanly, without an error that restarts it", round)
	}

	// The next generation, with the scheduler, finishes what was cut short.
	sim := newSimulated(t)
	stop := runPayment(t, g, sim, true)
	defer func() { require.NoError(t, stop()) }()
	for _, id := range all {
		select {
		case <-paid[id]:
		case <-time.After(90 * time.Second):
			t.Fatalf("order %s was never charged", id)
		}
	}
	t.Logf("interrupted: 3 rounds of 4 orders on one partition, the first one's charge cut short by a stop each time; all %d paid", len(all))
}

// holdingGateway holds the charge of one order until its caller gives up,
// as a slow provider would when the processor stops.
type holdingGateway struct {
	sim     *gateway.Simulated
	hold    string
	once    sync.Once
	reached chan struct{}
}

func (h *holdingGateway) Charge(ctx context.Context, req gateway.ChargeRequest) (gateway.Charge, error) {
	if req.IdempotencyKey == h.hold {
		h.once.Do(func() { close(h.reached) })
		<-ctx.Done()
		return gateway.Charge{}, ctx.Err()
	}
	return h.sim.Charge(ctx, req)
}

func (h *holdingGateway) Refund(ctx context.Context, req gateway.RefundRequest) error {
	return h.sim.Refund(ctx, req)
}

func newSimulated(t *testing.T) *gateway.Simulated {
	sim, err := gateway.NewSimulated(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, sim.Close()) })
	return sim
}

// runPayment runs the payment stage in this process, and the scheduler when
// asked, until the returned stop is called; stop returns Run's error.
func runPayment(t *testing.T, g *kafka.Goka, gw payment.Gateway, withScheduler bool) func() error {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	limits := intake.Limits{MaxRecordBytes: 1 << 20, Partitions: 6}
	policy := retry.Policy{Attempts: 5, Base: 50 * time.Millisecond, Max: 200 * time.Millisecond}
	procs := []*goka.Processor{}
	p, err := intake.NewProcessor(g.Brokers(), payment.Define(payment.Config{Gateway: gw, Logger: logger, Limits: limits, Retry: policy, Now: time.Now}), g.Processor(topology.PaymentGroup)...)
	require.NoError(t, err)
	procs = append(procs, p)
	if withScheduler {
		s, err := intake.NewProcessor(g.Brokers(), scheduler.Define(scheduler.Config{Logger: logger, Limits: limits, Now: time.Now}), g.Processor(topology.SchedulerGroup)...)
		require.NoError(t, err)
		procs = append(procs, s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, len(procs))
	for _, p := range procs {
		go func() { errs <- p.Run(ctx) }()
	}
	return func() error {
		cancel()
		var first error
		for range procs {
			select {
			case err := <-errs:
				if first == nil {
					first = err
				}
			case <-time.After(60 * time.Second):
				return fmt.Errorf("a processor did not stop")
			}
		}
		return first
	}
}

// keysOnOnePartition returns n order ids that murmur2 places on one
// partition of partitions.
func keysOnOnePartition(prefix string, n int, partitions int32) []string {
	var ids []string
	for i := 0; len(ids) < n; i++ {
		id := fmt.Sprintf("%s-o%d", prefix, i)
		if kafka.Partition(id, partitions) == 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// produceKeyed writes a record placed as every client of ours places it.
func produceKeyed(t *testing.T, brokers []string, topic, key string, value []byte) {
	t.Helper()
	sc, err := kafka.Config{Brokers: brokers, Partitions: 6, Replication: 1}.Sarama("integration")
	require.NoError(t, err)
	p, err := sarama.NewSyncProducer(brokers, sc)
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(value)})
	require.NoError(t, err)
}

// watchKeys follows topic from its end and closes a key's channel when a
// paid outcome for it appears.
func watchKeys(t *testing.T, brokers []string, topic string, keys []string) map[string]chan struct{} {
	t.Helper()
	seen := map[string]chan struct{}{}
	for _, k := range keys {
		seen[k] = make(chan struct{})
	}
	c, err := sarama.NewConsumer(brokers, saramaTestConfig())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	parts, err := c.Partitions(topic)
	require.NoError(t, err)
	var mu sync.Mutex
	for _, part := range parts {
		pc, err := c.ConsumePartition(topic, part, sarama.OffsetNewest)
		require.NoError(t, err)
		t.Cleanup(pc.AsyncClose)
		go func() {
			for m := range pc.Messages() {
				p, err := codecs.Decode[events.PaymentSettled](m.Value)
				mu.Lock()
				if ch, ok := seen[string(m.Key)]; ok && err == nil && p.Status == "paid" {
					close(ch)
					delete(seen, string(m.Key))
				}
				mu.Unlock()
			}
		}()
	}
	out := map[string]chan struct{}{}
	for k, ch := range seen {
		out[k] = ch
	}
	return out
}

func saramaTestConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	return cfg
}
