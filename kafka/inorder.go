package kafka

import (
	"context"
	"slices"
	"sync"

	"github.com/IBM/sarama"
)

// inOrder is a consumer group whose processors commit each partition's
// records only in the order they were delivered.
//
// goka commits a record by marking its offset once the callback has
// returned and everything it wrote is on the broker, and sarama's marks only
// move forward. A record whose callback writes nothing is marked at once, so
// it could mark past an earlier record whose writes were still on their way:
// a crash then (kill -9) would skip the earlier record for good, an order
// left between two stages. Here a mark is held until every record delivered
// before it is marked too, and the partition's mark moves to the end of the
// finished prefix. The stages that call out (intake.Commits) hold their
// records' commits themselves as well; this covers every group, and the
// records goka commits that never reach a callback.
type inOrder struct {
	sarama.ConsumerGroup
}

func (g inOrder) Consume(ctx context.Context, topics []string, handler sarama.ConsumerGroupHandler) error {
	return g.ConsumerGroup.Consume(ctx, topics, &inOrderHandler{next: handler})
}

// inOrderHandler hands goka one ordered session per generation, and claims
// whose deliveries it records.
type inOrderHandler struct {
	next    sarama.ConsumerGroupHandler
	session *inOrderSession
}

func (h *inOrderHandler) Setup(s sarama.ConsumerGroupSession) error {
	h.session = &inOrderSession{ConsumerGroupSession: s, parts: map[topicPartition]*deliveries{}}
	return h.next.Setup(h.session)
}

func (h *inOrderHandler) Cleanup(sarama.ConsumerGroupSession) error {
	return h.next.Cleanup(h.session)
}

func (h *inOrderHandler) ConsumeClaim(_ sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	out := make(chan *sarama.ConsumerMessage)
	s := h.session
	go func() {
		defer close(out)
		for msg := range claim.Messages() {
			s.delivered(msg.Topic, msg.Partition, msg.Offset)
			select {
			case out <- msg:
			case <-s.Context().Done():
				return
			}
		}
	}()
	return h.next.ConsumeClaim(s, recordedClaim{ConsumerGroupClaim: claim, messages: out})
}

// recordedClaim is a claim whose messages pass through the session first.
type recordedClaim struct {
	sarama.ConsumerGroupClaim
	messages chan *sarama.ConsumerMessage
}

func (c recordedClaim) Messages() <-chan *sarama.ConsumerMessage { return c.messages }

type topicPartition struct {
	topic     string
	partition int32
}

// deliveries are a partition's records delivered and not yet committed, in
// offset order (ascending, with the gaps compaction leaves).
type deliveries struct {
	offsets []int64
	marked  []bool
}

// inOrderSession marks a partition's offset only up to the end of its
// finished prefix.
type inOrderSession struct {
	sarama.ConsumerGroupSession
	mu    sync.Mutex
	parts map[topicPartition]*deliveries
}

func (s *inOrderSession) delivered(topic string, partition int32, offset int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := topicPartition{topic, partition}
	d := s.parts[k]
	if d == nil {
		d = &deliveries{}
		s.parts[k] = d
	}
	d.offsets = append(d.offsets, offset)
	d.marked = append(d.marked, false)
}

// MarkOffset takes next as sarama does: the offset after the record's.
func (s *inOrderSession) MarkOffset(topic string, partition int32, next int64, metadata string) {
	if upTo, ok := s.finished(topicPartition{topic, partition}, next-1); ok {
		s.ConsumerGroupSession.MarkOffset(topic, partition, upTo+1, metadata)
	}
}

func (s *inOrderSession) MarkMessage(msg *sarama.ConsumerMessage, metadata string) {
	s.MarkOffset(msg.Topic, msg.Partition, msg.Offset+1, metadata)
}

// finished marks offset and reports the last offset of the partition's
// finished prefix, if the prefix grew.
func (s *inOrderSession) finished(k topicPartition, offset int64) (upTo int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.parts[k]
	if d == nil {
		return offset, true // not delivered here: nothing to wait for
	}
	i, found := slices.BinarySearch(d.offsets, offset)
	if !found {
		return offset, !slices.ContainsFunc(d.offsets, func(o int64) bool { return o < offset })
	}
	d.marked[i] = true
	n := 0
	for n < len(d.offsets) && d.marked[n] {
		n++
	}
	if n == 0 {
		return 0, false
	}
	upTo = d.offsets[n-1]
	d.offsets, d.marked = d.offsets[n:], d.marked[n:]
	return upTo, true
}
