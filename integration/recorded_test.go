package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/gateway"
	"orderflow/kafka"
	"orderflow/processors/payment"
	"orderflow/topology"
)

// Payment records a charge in its table before it makes it, so that after a
// crash the table shows every charge that may have been made; a cancel seen
// first then cannot settle the order as "cancelled before any charge" while
// the gateway holds one. The record must be on the broker, not just handed
// to the producer: kill -9 loses what the producer still holds. Here the
// gateway itself, at each charge, reads the payment table on the real broker
// and requires the order's entry there to hold the charge as out; producers
// hold records up to 200 ms to make the window plain.
func TestAChargeIsMadeOnlyOnceItsRecordIsOnTheBroker(t *testing.T) {
	const orders = 40
	ns := startNATS(t)
	table := &tableReader{brokers: strings.Split(kafkaBrokers(t), ","), topic: string(goka.GroupTable(topology.PaymentGroup))}
	gw := &recordCheckingGateway{table: table, next: gateway.NewServer(newSimulated(t))}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	sys := startSystem(t, ns.ClientURL(), "GATEWAY_URL="+srv.URL, "KAFKA_FLUSH_FREQUENCY=200ms")
	table.follow(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := newClient(t, sys.base, fmt.Sprintf("recorded-%d", time.Now().UnixNano()))
	for i := range orders {
		_, status, err := c.place(ctx, "tok_visa", "")
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status, "order %d", i)
	}
	require.Eventually(t, func() bool { n, _ := gw.checked(); return n >= orders }, time.Minute, 50*time.Millisecond, "every order charged")
	n, early := gw.checked()
	require.Empty(t, early, "charges made before their record was on the broker")
	t.Logf("recorded: %d charges, each found on the broker as out in the order's payment entry", n)
}

// recordCheckingGateway serves the simulated gateway and, before each
// charge, checks the payment table on the broker.
type recordCheckingGateway struct {
	table *tableReader
	next  http.Handler

	mu      sync.Mutex
	charges int
	early   []string // charges made before their record was on the broker, and why
}

func (g *recordCheckingGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/charges" {
		body, err := io.ReadAll(r.Body)
		var req gateway.ChargeRequest
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, "bad charge request", http.StatusBadRequest)
			return
		}
		err = g.table.holdsCharge(req.OrderID)
		g.mu.Lock()
		g.charges++
		if err != nil {
			g.early = append(g.early, req.OrderID+": "+err.Error())
		}
		g.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	g.next.ServeHTTP(w, r)
}

// checked returns how many charges were checked, and the ones made early.
func (g *recordCheckingGateway) checked() (int, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.charges, append([]string(nil), g.early...)
}

// tableReader follows a table topic from its end and keeps each key's
// latest value, and how far it has read each partition.
type tableReader struct {
	brokers []string
	topic   string
	client  sarama.Client

	mu     sync.Mutex
	latest map[string][]byte
	next   map[int32]int64 // the offset after the last one read
}

func (r *tableReader) follow(t *testing.T) {
	t.Helper()
	client, err := sarama.NewClient(r.brokers, saramaTestConfig())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, client.Close()) })
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	r.client, r.latest, r.next = client, map[string][]byte{}, map[int32]int64{}
	parts, err := client.Partitions(r.topic)
	require.NoError(t, err)
	for _, part := range parts {
		start, err := client.GetOffset(r.topic, part, sarama.OffsetNewest)
		require.NoError(t, err)
		r.next[part] = start
		pc, err := consumer.ConsumePartition(r.topic, part, start)
		require.NoError(t, err)
		t.Cleanup(pc.AsyncClose)
		go func() {
			for m := range pc.Messages() {
				r.mu.Lock()
				r.latest[string(m.Key)] = m.Value
				r.next[part] = m.Offset + 1
				r.mu.Unlock()
			}
		}()
	}
}

// holdsCharge reads key's partition up to what the broker has now, and
// checks that key's latest entry holds a charge call as out.
func (r *tableReader) holdsCharge(key string) error {
	part := kafka.Partition(key, 6)
	end, err := r.client.GetOffset(r.topic, part, sarama.OffsetNewest)
	if err != nil {
		return fmt.Errorf("reading the end of %s/%d: %w", r.topic, part, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		r.mu.Lock()
		read, value := r.next[part], r.latest[key]
		r.mu.Unlock()
		if read >= end {
			if value == nil {
				return fmt.Errorf("no entry on the broker")
			}
			e, err := codecs.Decode[payment.Entry](value)
			if err != nil {
				return fmt.Errorf("decoding the entry: %w", err)
			}
			if e.Call == nil || e.Call.Action != "charge" {
				return fmt.Errorf("the entry on the broker holds no charge: %s", value)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the reader did not reach offset %d of %s/%d", end, r.topic, part)
		}
	}
}
