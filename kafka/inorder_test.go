package kafka

import (
	"context"
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
)

// markedSession records the marks that reach sarama.
type markedSession struct {
	sarama.ConsumerGroupSession
	marks []int64
}

func (s *markedSession) MarkOffset(_ string, _ int32, next int64, _ string) {
	s.marks = append(s.marks, next)
}

func (s *markedSession) Context() context.Context { return context.Background() }

func TestARecordIsCommittedOnlyAfterEveryRecordDeliveredBeforeIt(t *testing.T) {
	under := &markedSession{}
	s := &inOrderSession{ConsumerGroupSession: under, parts: map[topicPartition]*deliveries{}}
	for _, off := range []int64{10, 11, 14, 15} { // 12 and 13 compacted away
		s.delivered("sent_orders", 2, off)
	}
	s.delivered("sent_orders", 3, 7)

	s.MarkOffset("sent_orders", 2, 12, "") // 11: its writes were quick
	s.MarkOffset("sent_orders", 2, 15, "") // 14
	require.Empty(t, under.marks, "10's writes are still on their way: nothing may be committed past it")

	s.MarkOffset("sent_orders", 2, 11, "") // 10
	require.Equal(t, []int64{15}, under.marks, "the finished prefix: up to 14, whose next is 15")

	s.MarkMessage(&sarama.ConsumerMessage{Topic: "sent_orders", Partition: 3, Offset: 7}, "")
	require.Equal(t, []int64{15, 8}, under.marks, "partitions are apart")

	s.MarkOffset("sent_orders", 2, 16, "")
	require.Equal(t, []int64{15, 8, 16}, under.marks)
}

// goka reads the claim's messages through the session, which records each
// delivery before goka sees it.
func TestAClaimsMessagesAreRecordedAsDelivered(t *testing.T) {
	under := &markedSession{}
	s := &inOrderSession{ConsumerGroupSession: under, parts: map[topicPartition]*deliveries{}}
	next := &claimReader{}
	h := &inOrderHandler{next: next, session: s}
	msgs := make(chan *sarama.ConsumerMessage, 3)
	for off := range int64(3) {
		msgs <- &sarama.ConsumerMessage{Topic: "new_orders", Partition: 0, Offset: off}
	}
	close(msgs)

	require.NoError(t, h.ConsumeClaim(s, fakeClaim{msgs: msgs}))
	require.Equal(t, []int64{0, 1, 2}, next.read)
	s.MarkOffset("new_orders", 0, 3, "")
	require.Empty(t, under.marks, "0 and 1 were delivered and are not done")
	s.MarkOffset("new_orders", 0, 1, "")
	require.Equal(t, []int64{1}, under.marks)
	s.MarkOffset("new_orders", 0, 2, "")
	require.Equal(t, []int64{1, 3}, under.marks, "1 was the gap; 2 was done already")
}

type claimReader struct {
	sarama.ConsumerGroupHandler
	read []int64
}

func (c *claimReader) ConsumeClaim(_ sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		c.read = append(c.read, m.Offset)
	}
	return nil
}

type fakeClaim struct {
	sarama.ConsumerGroupClaim
	msgs chan *sarama.ConsumerMessage
}

func (c fakeClaim) Messages() <-chan *sarama.ConsumerMessage { return c.msgs }
