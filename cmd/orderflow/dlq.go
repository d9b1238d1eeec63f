package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/IBM/sarama"

	"orderflow/intake"
	"orderflow/kafka"
)

// dlqConfig is what `orderflow dlq` reads: how to reach Kafka, the action,
// and which dead letters to replay.
type dlqConfig struct {
	Kafka    kafka.Config
	KafkaTLS tlsFiles
	Action   string // list or replay
	IDs      dlqIDs
	All      bool
}

func dlqFlags(c *dlqConfig, getenv func(string) string, output io.Writer) *envFlags {
	f := newEnvFlags("dlq", getenv, output)
	addKafkaFlags(f, &c.Kafka, &c.KafkaTLS)
	f.fs.Var(&c.IDs, "id", "replay: dead letter to replay, as `partition:offset` (repeatable)")
	f.fs.BoolVar(&c.All, "all", false, "replay: every dead letter")
	return f
}

// parseDLQ reads the action and the flags, which may come before the action,
// after it, or both: `dlq replay --id 1:2` and `dlq --id 1:2 replay`.
func parseDLQ(args []string, getenv func(string) string, stderr io.Writer) (dlqConfig, error) {
	var c dlqConfig
	f := dlqFlags(&c, getenv, stderr)
	rest, err := f.parseWithArgs(args)
	if err != nil {
		return c, err
	}
	if len(rest) == 0 {
		return c, errors.New("dlq: say list or replay")
	}
	c.Action = rest[0]
	if err := f.fs.Parse(rest[1:]); err != nil {
		return c, err
	}
	if f.fs.NArg() > 0 {
		return c, fmt.Errorf("dlq: unexpected arguments %q", f.fs.Args())
	}
	return c, c.check()
}

func (c dlqConfig) check() error {
	chosen := len(c.IDs) > 0 || c.All
	switch {
	case c.Action == "list" && chosen:
		return errors.New("dlq list: --id and --all are for replay")
	case c.Action == "replay" && !chosen:
		return errors.New("dlq replay: name dead letters with --id partition:offset, or --all")
	case c.Action == "replay" && len(c.IDs) > 0 && c.All:
		return errors.New("dlq replay: --id or --all, not both")
	case c.Action != "list" && c.Action != "replay":
		return fmt.Errorf("dlq: unknown action %q (list or replay)", c.Action)
	}
	return nil
}

// runDLQ lists dead letters or replays chosen ones to the topic they came
// from, with their original key, value and headers.
func runDLQ(ctx context.Context, e env, args []string) error {
	c, err := parseDLQ(args, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	if err := c.KafkaTLS.apply(&c.Kafka); err != nil {
		return err
	}
	letters, err := readDeadLetters(ctx, c.Kafka)
	if err != nil {
		return err
	}
	if c.Action == "list" {
		return list(e.stdout, letters)
	}
	return replay(c, e.stdout, letters)
}

func list(w io.Writer, letters []*sarama.ConsumerMessage) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKEY\tSOURCE\tBYTES\tTIME\tERROR")
	for _, m := range letters {
		h := headers(m)
		fmt.Fprintf(tw, "%d:%d\t%s\t%s/%s@%s\t%d\t%s\t%s\n", m.Partition, m.Offset, m.Key,
			h[intake.HeaderTopic], h[intake.HeaderPartition], h[intake.HeaderOffset], len(m.Value), h[intake.HeaderTime], h[intake.HeaderError])
	}
	return tw.Flush()
}

func replay(c dlqConfig, w io.Writer, letters []*sarama.ConsumerMessage) (err error) {
	sc, err := c.Kafka.Sarama("orderflow-dlq")
	if err != nil {
		return err
	}
	producer, err := sarama.NewSyncProducer(c.Kafka.Brokers, sc)
	if err != nil {
		return fmt.Errorf("connecting producer: %w", err)
	}
	defer closeInto(&err, producer, "kafka producer")
	n := 0
	for _, m := range letters {
		if !c.All && !c.IDs.has(m) {
			continue
		}
		msg, err := replayOf(m)
		if err != nil {
			return err
		}
		if _, _, err := producer.SendMessage(msg); err != nil {
			return fmt.Errorf("replaying %d:%d to %s: %w", m.Partition, m.Offset, msg.Topic, err)
		}
		if _, err := fmt.Fprintf(w, "replayed %d:%d to %s\n", m.Partition, m.Offset, msg.Topic); err != nil {
			return fmt.Errorf("printing the replay of %d:%d: %w", m.Partition, m.Offset, err)
		}
		n++
	}
	if _, err := fmt.Fprintf(w, "%d dead letters replayed\n", n); err != nil {
		return fmt.Errorf("printing the replay count: %w", err)
	}
	return nil
}

// dlqIDs names dead letters as partition:offset, as `dlq list` prints them.
type dlqIDs []dlqID

type dlqID struct {
	partition int32
	offset    int64
}

func (ids *dlqIDs) String() string { return fmt.Sprint(*ids) }

// Set implements flag.Value. A partition Kafka cannot have is refused, not
// wrapped into one it has.
func (ids *dlqIDs) Set(v string) error {
	p, o, ok := strings.Cut(v, ":")
	partition, err1 := strconv.ParseInt(p, 10, 32)
	offset, err2 := strconv.ParseInt(o, 10, 64)
	if !ok || err1 != nil || err2 != nil || partition < 0 || offset < 0 {
		return fmt.Errorf("dead letter %q: want partition:offset, a partition from 0 to 2147483647, as `dlq list` prints", v)
	}
	*ids = append(*ids, dlqID{int32(partition), offset})
	return nil
}

func (ids dlqIDs) has(m *sarama.ConsumerMessage) bool {
	for _, id := range ids {
		if id == (dlqID{m.Partition, m.Offset}) {
			return true
		}
	}
	return false
}
