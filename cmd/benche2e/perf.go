package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/IBM/sarama"

	"orderflow/topology"
)

// ceilingTopic is where ProducerPerformance writes: a topic of its own, laid
// out like orderflow's.
const ceilingTopic = "bench-ceiling"

// ceiling is part a: the broker's raw ceiling, Kafka's own producer
// writing records the size of an order's, acks=all, as fast as it can.
func (b *bench) ceiling(ctx context.Context, r *report) error {
	size, from, err := b.recordSize()
	if err != nil {
		return err
	}
	b.say("a: ProducerPerformance, %d records of %d bytes (%s), acks=all, %d partitions", b.cfg.perfRecords, size, from, b.cfg.partitions)
	// Before the topic exists: a topic just created has no leader for a
	// moment, and its end offsets cannot be read yet.
	before, err := b.usage()
	if err != nil {
		return err
	}
	if err := b.createCeilingTopic(); err != nil {
		return err
	}
	last, err := b.producerPerformance(ctx, size)
	if err != nil {
		return err
	}
	after, err := b.usage()
	if err != nil {
		return err
	}
	m := perfLine.FindStringSubmatch(last)
	if m == nil {
		return fmt.Errorf("ProducerPerformance's summary is not as expected: %q", last)
	}
	r.add("a", fmt.Sprintf("broker ceiling: records/s (%d B, acks=all)", size), "%s", m[2])
	r.add("a", "broker ceiling: MB/s", "%s", m[3])
	r.add("a", "broker ceiling: latency p50 / p99 (ms)", "%s / %s", m[6], m[8])
	r.add("a", "broker ceiling: broker CPU per record (ms)", "%.4f", ms(before.until(after).cpu)/float64(b.cfg.perfRecords))
	return nil
}

// perfLine is ProducerPerformance's summary, its last line.
var perfLine = regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th`)

// producerPerformance runs the tool, shows its progress lines and returns
// its summary.
func (b *bench) producerPerformance(ctx context.Context, size int) (string, error) {
	cmd := exec.CommandContext(ctx, b.cfg.script, "tool", "org.apache.kafka.tools.ProducerPerformance", //nolint:gosec // the operator's own script, fixed arguments
		"--topic", ceilingTopic, "--num-records", strconv.Itoa(b.cfg.perfRecords), "--record-size", strconv.Itoa(size),
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+strings.Join(b.cfg.brokers, ","), "acks=all")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("running ProducerPerformance: %w", err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("running ProducerPerformance: %w", err)
	}
	last := showLines(stdout, b.out)
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("ProducerPerformance: %w: %s", err, tail(stderr.String(), 2000))
	}
	return last, nil
}

// showLines copies the tool's progress lines to out, indented, and returns
// the last. Its log lines ("[time] INFO ...") say nothing about the run.
func showLines(r io.Reader, out io.Writer) string {
	var last string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "[") {
			continue
		}
		last = sc.Text()
		_, _ = fmt.Fprintln(out, "    "+last)
	}
	return last
}

func (b *bench) createCeilingTopic() error {
	admin, err := sarama.NewClusterAdminFromClient(b.client)
	if err != nil {
		return fmt.Errorf("connecting admin: %w", err)
	}
	// Not closed: closing the admin would close the shared client.
	err = admin.CreateTopic(ceilingTopic, &sarama.TopicDetail{NumPartitions: b.cfg.partitions, ReplicationFactor: 1}, false)
	if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return fmt.Errorf("creating %s: %w", ceilingTopic, err)
	}
	return nil
}

// recordSize is the mean size of the newest new_orders record of each
// partition: the real size of an order's record, headers aside. When the
// topic is empty (only part a runs) it is the size of one encoded here.
func (b *bench) recordSize() (int, string, error) {
	c, err := sarama.NewConsumerFromClient(b.client)
	if err != nil {
		return 0, "", fmt.Errorf("connecting consumer: %w", err)
	}
	defer func() { _ = c.Close() }()
	topic := string(topology.NewOrders)
	total, n := 0, 0
	for p := range b.cfg.partitions {
		end, err := b.client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return 0, "", fmt.Errorf("reading end of %s/%d: %w", topic, p, err)
		}
		if end == 0 {
			continue
		}
		size, err := recordAt(c, topic, p, end-1)
		if err != nil {
			return 0, "", err
		}
		total, n = total+size, n+1
	}
	if n > 0 {
		return total / n, fmt.Sprintf("the mean of %d records on %s", n, topic), nil
	}
	v, err := placed("ord_"+strings.Repeat("x", 26), "e2e-size")
	return len(v), "an order encoded here: " + topic + " is empty", err
}

// recordAt is the size of the key and value of the record at offset.
func recordAt(c sarama.Consumer, topic string, p int32, offset int64) (int, error) {
	pc, err := c.ConsumePartition(topic, p, offset)
	if err != nil {
		return 0, fmt.Errorf("reading %s/%d@%d: %w", topic, p, offset, err)
	}
	defer pc.AsyncClose()
	m := <-pc.Messages()
	return len(m.Key) + len(m.Value), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
