package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/IBM/sarama"

	"orderflow/intake"
	"orderflow/kafka"
	"orderflow/topology"
)

// readDeadLetters reads every dead letter there is now.
func readDeadLetters(ctx context.Context, cfg kafka.Config) (out []*sarama.ConsumerMessage, err error) {
	sc, err := cfg.Sarama("orderflow-dlq")
	if err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(cfg.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("connecting to kafka: %w", err)
	}
	defer closeInto(&err, client, "kafka client")
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, fmt.Errorf("creating consumer: %w", err)
	}
	defer closeInto(&err, consumer, "kafka consumer")
	topic := string(topology.DeadLetters)
	parts, err := client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("reading partitions of %s: %w", topic, err)
	}
	for _, p := range parts {
		letters, err := readPartition(ctx, client, consumer, topic, p)
		if err != nil {
			return nil, err
		}
		out = append(out, letters...)
	}
	return out, nil
}

// readPartition reads one partition from its oldest record to the last one
// written before the call.
func readPartition(ctx context.Context, client sarama.Client, consumer sarama.Consumer, topic string, p int32) (out []*sarama.ConsumerMessage, err error) {
	end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
	if err != nil {
		return nil, fmt.Errorf("reading end of %s/%d: %w", topic, p, err)
	}
	oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
	if err != nil {
		return nil, fmt.Errorf("reading start of %s/%d: %w", topic, p, err)
	}
	if end <= oldest {
		return nil, nil
	}
	pc, err := consumer.ConsumePartition(topic, p, oldest)
	if err != nil {
		return nil, fmt.Errorf("reading %s/%d: %w", topic, p, err)
	}
	defer closeInto(&err, pc, fmt.Sprintf("reader of %s/%d", topic, p))
	for {
		select {
		case m := <-pc.Messages():
			out = append(out, m)
			if m.Offset >= end-1 {
				return out, nil
			}
		case err := <-pc.Errors():
			return nil, fmt.Errorf("reading %s/%d: %w", topic, p, err)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// replayOf is the record that puts dead letter m back on its source topic:
// its key, value and headers, without the dead-letter headers, and marked
// with where it was replayed from.
func replayOf(m *sarama.ConsumerMessage) (*sarama.ProducerMessage, error) {
	source := headers(m)[intake.HeaderTopic]
	if source == "" {
		return nil, fmt.Errorf("dead letter %d:%d names no source topic", m.Partition, m.Offset)
	}
	msg := &sarama.ProducerMessage{Topic: source, Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value)}
	for _, h := range m.Headers {
		if !strings.HasPrefix(string(h.Key), "dlq.") {
			msg.Headers = append(msg.Headers, *h)
		}
	}
	msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte("dlq.replayed-from"), Value: fmt.Appendf(nil, "%d:%d", m.Partition, m.Offset)})
	return msg, nil
}

func headers(m *sarama.ConsumerMessage) map[string]string {
	h := make(map[string]string, len(m.Headers))
	for _, r := range m.Headers {
		h[string(r.Key)] = string(r.Value)
	}
	return h
}
