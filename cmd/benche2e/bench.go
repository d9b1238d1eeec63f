package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/IBM/sarama"
	"github.com/nats-io/nats-server/v2/server"

	"orderflow/internal/benchkit"
	"orderflow/kafka"
	"orderflow/notify"
)

// secret signs the benchmark's tokens; the services it starts use it too.
const secret = "bench-e2e-secret-0123456789abcdef0123" //nolint:gosec // a benchmark's own key for the services it starts, on loopback

// bench is one benchmark run against one broker.
type bench struct {
	cfg      config
	out      io.Writer // the operator's: what each part is doing
	progress io.Writer // progress bars
	kafka    kafka.Config
	client   sarama.Client
	nats     *server.Server
	receipts *receipts
	tokens   *benchkit.Tokens
	nextPort int
}

func newBench(ctx context.Context, c config, out, progress io.Writer) (*bench, error) {
	kc := kafka.Config{Brokers: c.brokers, Partitions: c.partitions, Replication: 1, MaxRecordBytes: 1 << 20}
	if err := kafka.EnsureTopics(ctx, kc, slog.New(slog.DiscardHandler)); err != nil {
		return nil, fmt.Errorf("creating topics: %w", err)
	}
	sc, err := kc.Sarama("orderflow-bench-e2e")
	if err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(c.brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("connecting to kafka: %w", err)
	}
	ns, err := notify.StartServer(notify.ServerConfig{Host: "127.0.0.1", Port: c.portBase, StoreDir: filepath.Join(c.work, "nats")})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("starting nats: %w", err), client.Close())
	}
	b := &bench{cfg: c, out: out, progress: progress, kafka: kc, client: client, nats: ns,
		tokens: benchkit.NewTokens(secret), nextPort: c.portBase + 1}
	if b.receipts, err = watchReceipts(ctx, ns.ClientURL()); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *bench) close() {
	if b.receipts != nil {
		b.receipts.close()
	}
	b.nats.Shutdown()
	_ = b.client.Close()
}

// port hands out the next of the benchmark's own ports, after NATS's.
func (b *bench) port() int {
	b.nextPort++
	return b.nextPort - 1
}

// say tells the operator what the run is doing; the table at the end is the
// result, so a line that cannot be written is not worth stopping for.
func (b *bench) say(format string, args ...any) {
	_, _ = fmt.Fprintf(b.out, "  "+format+"\n", args...)
}
