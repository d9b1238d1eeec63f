package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/IBM/sarama"

	"orderflow/intake"
	"orderflow/topology"
)

// runDLQ lists dead letters or replays chosen ones to the topic they came
// from, with their original key, value and headers.
func runDLQ(ctx context.Context, cfg Config, e env) error {
	if len(e.args) == 0 {
		return fmt.Errorf("dlq: say list or replay")
	}
	letters, err := readDeadLetters(ctx, cfg)
	if err != nil {
		return err
	}
	switch e.args[0] {
	case "list":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKEY\tSOURCE\tBYTES\tTIME\tERROR")
		for _, m := range letters {
			h := headers(m)
			fmt.Fprintf(tw, "%d:%d\t%s\t%s/%s@%s\t%d\t%s\t%s\n", m.Partition, m.Offset, m.Key,
				h[intake.HeaderTopic], h[intake.HeaderPartition], h[intake.HeaderOffset], len(m.Value), h[intake.HeaderTime], h[intake.HeaderError])
		}
		return tw.Flush()
	case "replay":
		return replay(cfg, e, letters)
	default:
		return fmt.Errorf("dlq: unknown action %q (list or replay)", e.args[0])
	}
}

func replay(cfg Config, e env, letters []*sarama.ConsumerMessage) error {
	if len(cfg.Offsets) == 0 && !cfg.All {
		return fmt.Errorf("dlq replay: name dead letters with --id partition:offset, or --all")
	}
	chosen := map[dlqID]bool{}
	for _, id := range cfg.Offsets {
		chosen[id] = true
	}
	sc, err := cfg.Kafka.Sarama("orderflow-dlq")
	if err != nil {
		return err
	}
	producer, err := sarama.NewSyncProducer(cfg.Kafka.Brokers, sc)
	if err != nil {
		return fmt.Errorf("connecting producer: %w", err)
	}
	defer producer.Close()
	n := 0
	for _, m := range letters {
		if !cfg.All && !chosen[dlqID{m.Partition, m.Offset}] {
			continue
		}
		source := headers(m)[intake.HeaderTopic]
		if source == "" {
			return fmt.Errorf("dead letter %d:%d names no source topic", m.Partition, m.Offset)
		}
		msg := &sarama.ProducerMessage{Topic: source, Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value)}
		for _, h := range m.Headers {
			if !strings.HasPrefix(string(h.Key), "dlq.") {
				msg.Headers = append(msg.Headers, *h)
			}
		}
		msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte("dlq.replayed-from"), Value: fmt.Appendf(nil, "%d:%d", m.Partition, m.Offset)})
		if _, _, err := producer.SendMessage(msg); err != nil {
			return fmt.Errorf("replaying %d:%d to %s: %w", m.Partition, m.Offset, source, err)
		}
		fmt.Fprintf(e.stdout, "replayed %d:%d to %s\n", m.Partition, m.Offset, source)
		n++
	}
	fmt.Fprintf(e.stdout, "%d dead letters replayed\n", n)
	return nil
}

// readDeadLetters reads every dead letter there is now.
func readDeadLetters(ctx context.Context, cfg Config) ([]*sarama.ConsumerMessage, error) {
	sc, err := cfg.Kafka.Sarama("orderflow-dlq")
	if err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(cfg.Kafka.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("connecting to kafka: %w", err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, fmt.Errorf("creating consumer: %w", err)
	}
	defer consumer.Close()
	topic := string(topology.DeadLetters)
	parts, err := client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("reading partitions of %s: %w", topic, err)
	}
	var out []*sarama.ConsumerMessage
	for _, p := range parts {
		hwm, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, fmt.Errorf("reading end of %s/%d: %w", topic, p, err)
		}
		oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		if err != nil {
			return nil, fmt.Errorf("reading start of %s/%d: %w", topic, p, err)
		}
		if hwm <= oldest {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, oldest)
		if err != nil {
			return nil, fmt.Errorf("reading %s/%d: %w", topic, p, err)
		}
	read:
		for {
			select {
			case m := <-pc.Messages():
				out = append(out, m)
				if m.Offset >= hwm-1 {
					break read
				}
			case err := <-pc.Errors():
				pc.Close()
				return nil, fmt.Errorf("reading %s/%d: %w", topic, p, err)
			case <-ctx.Done():
				pc.Close()
				return nil, ctx.Err()
			}
		}
		pc.Close()
	}
	return out, nil
}

func headers(m *sarama.ConsumerMessage) map[string]string {
	h := make(map[string]string, len(m.Headers))
	for _, r := range m.Headers {
		h[string(r.Key)] = string(r.Value)
	}
	return h
}
