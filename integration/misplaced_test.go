package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/kafka"
	"orderflow/order"
)

// An order produced to new_orders by a client whose partitioner is not
// murmur2 (kcat's default is consistent_random) lands on a partition whose
// tables do not hold the rest of the order. It used to be processed there and
// end with a split history; now the payment group moves it to its partition
// first, and the order goes through like any other.
func TestAnOrderOnTheWrongPartitionGoesThroughWhole(t *testing.T) {
	ns := startNATS(t)
	sys := startSystem(t, ns.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := fmt.Sprintf("misplaced%d", time.Now().UnixNano())
	got := watchNotifications(t, ctx, ns.ClientURL(), run)
	cl := newClient(t, sys.base, run)
	probe(t, ctx, cl)

	const partitions = 6 // KAFKA_PARTITIONS' default, which the test system uses
	var ids []string
	for i := range 3 {
		id := fmt.Sprintf("%s-o%d", run, i)
		right := kafka.Partition(id, partitions)
		wrong := (right + 1 + int32(i)) % partitions
		p := events.OrderPlaced{V: codecs.Version, Order: ordertest.Order(id, run), PaymentToken: "tok_visa"}
		p.Order.CreatedAt = time.Now().UTC()
		produceTo(t, "new_orders", wrong, id, ordertest.Bytes(p))
		ids = append(ids, id)
	}

	for _, id := range ids {
		var o apiOrder
		require.Eventually(t, func() bool {
			var status int
			var err error
			o, status, err = cl.get(ctx, id)
			return err == nil && status == 200 && o.Status == string(order.Notified)
		}, 60*time.Second, 50*time.Millisecond, "order %s reaches notified", id)
		var statuses []string
		for _, h := range o.History {
			statuses = append(statuses, h.Status)
		}
		require.Equal(t, []string{"created", "paid", "shipped", "notified"}, statuses, "order %s has its whole history", id)
	}
	time.Sleep(2 * time.Second) // room for a duplicate to show
	got.mu.Lock()
	defer got.mu.Unlock()
	for _, id := range ids {
		require.Len(t, got.byID[id], 1, "order %s is notified exactly once", id)
	}
	t.Logf("misplaced: %d orders written to a wrong partition by a plain sarama producer, each moved and notified once", len(ids))
}

// produceTo writes one record to a chosen partition with a plain sarama
// producer, as any client could, and returns its offset.
func produceTo(t *testing.T, topic string, partition int32, key string, value []byte) int64 {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = kafka.ProtocolVersion
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer(strings.Split(kafkaBrokers(t), ","), cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	part, offset, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: partition, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(value)})
	require.NoError(t, err)
	require.Equal(t, partition, part)
	return offset
}
