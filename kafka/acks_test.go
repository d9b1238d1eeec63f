package kafka

import (
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"
)

// heldProducer is a goka producer whose writes finish when the test says.
type heldProducer struct {
	goka.Producer // Close is not called here
	finish        map[string]goka.PromiseFinisher
}

func (p *heldProducer) EmitWithHeaders(topic, key string, _ []byte, _ goka.Headers) *goka.Promise {
	promise, finish := goka.NewPromiseWithFinisher()
	p.finish[topic+"/"+key] = finish
	return promise
}

func TestAnEffectWaitsForItsKeysWriteToTheTable(t *testing.T) {
	held := &heldProducer{finish: map[string]goka.PromiseFinisher{}}
	acks := NewAcks("payment-table")
	p := acks.Wrap(held)

	require.Nil(t, acks.Unacked("o1"), "nothing written")
	p.Emit("payed_orders", "o1", nil)
	require.Nil(t, acks.Unacked("o1"), "only the table is followed")

	p.Emit("payment-table", "o1", []byte("call out"))
	wait := acks.Unacked("o1")
	require.NotNil(t, wait)
	require.Nil(t, acks.Unacked("o2"), "another key")

	result := make(chan error, 1)
	go func() { result <- wait() }()
	select {
	case err := <-result:
		t.Fatalf("returned before the broker acknowledged the write: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	held.finish["payment-table/o1"](&sarama.ProducerMessage{}, nil)
	require.NoError(t, <-result)
	require.Nil(t, acks.Unacked("o1"), "an acknowledged write is forgotten")
	require.NoError(t, wait(), "a wait taken before the ack returns at once after it")

	p.Emit("payment-table", "o1", []byte("refund out"))
	wait = acks.Unacked("o1")
	held.finish["payment-table/o1"](nil, errors.New("not enough replicas"))
	require.ErrorContains(t, wait(), "not enough replicas")
	require.ErrorContains(t, acks.Unacked("o1")(), "not enough replicas",
		"an effect decided after the write failed still finds it")
	acks.Wrap(held)
	require.Nil(t, acks.Unacked("o1"), "the next processor's producer starts afresh")
}
