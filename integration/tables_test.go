package integration

import (
	"fmt"

	"github.com/IBM/sarama"

	"orderflow/kafka"
)

// lastRecord returns the last record of key in a group table, as far as
// the broker has the table now, read with a plain consumer from the key's
// partition; nil if there is none. It returns errors rather than failing
// the test: a test's fake servers call it from their own goroutines.
func lastRecord(brokers []string, table, key string, partitions int32) (*sarama.ConsumerMessage, error) {
	client, err := sarama.NewClient(brokers, saramaTestConfig())
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	defer func() { _ = client.Close() }() // a reader's close has nothing to lose
	part := kafka.Partition(key, partitions)
	end, err := client.GetOffset(table, part, sarama.OffsetNewest)
	if err != nil {
		return nil, fmt.Errorf("reading the end of %s/%d: %w", table, part, err)
	}
	if end == 0 {
		return nil, nil
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, fmt.Errorf("consuming %s: %w", table, err)
	}
	defer func() { _ = consumer.Close() }()
	pc, err := consumer.ConsumePartition(table, part, sarama.OffsetOldest)
	if err != nil {
		return nil, fmt.Errorf("consuming %s/%d: %w", table, part, err)
	}
	defer pc.AsyncClose()
	var last *sarama.ConsumerMessage
	for m := range pc.Messages() {
		if string(m.Key) == key {
			last = m
		}
		if m.Offset+1 >= end {
			break
		}
	}
	return last, nil
}
