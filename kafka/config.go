package kafka

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// ProtocolVersion is the Kafka protocol sarama speaks. Kafka 4 removed the
// request versions older clients use; goka's default (2.0) is refused by it.
var ProtocolVersion = sarama.V4_0_0_0

// Config says how to reach Kafka and how orderflow's topics are laid out.
type Config struct {
	Brokers    []string
	Partitions int32
	// Replication of the topics EnsureTopics creates; 0 chooses it from the
	// number of brokers (DefaultReplication).
	Replication int16
	// MaxRecordBytes bounds the records orderflow accepts; larger input
	// records go to the dead-letter topic. The broker and producers allow
	// more, so that the oversized original can be kept there.
	MaxRecordBytes int
	// TLS, when set, encrypts every connection to the brokers.
	TLS *tls.Config
	// SASL, when Mechanism is set, authenticates every connection.
	SASL SASL
	// InstanceID, when set, makes processors static members of their
	// groups (group.instance.id, see membership.go). It must be stable
	// across restarts of one process and unique among the processes of a
	// group; empty means dynamic membership.
	InstanceID string
	// FlushFrequency, when above zero, makes producers wait up to that long
	// (or until 64 KiB) to fill a batch; zero sends at once. orderflow's
	// services wait 2 ms (KAFKA_FLUSH_FREQUENCY): measured, it cut the
	// broker's CPU per order by 40% and sped the stages up by a quarter,
	// and under load it lowered the latency too (README, Producer
	// batching). goka's default is 100 ms.
	FlushFrequency time.Duration
	// FetchWait, when above zero, lets the broker hold a consumer's fetch
	// up to that long (or until 64 KiB are ready) to gather records; zero
	// answers as soon as one record is there, Kafka's default and
	// orderflow's (KAFKA_FETCH_WAIT). Measured, 5 ms helped a saturated
	// pipeline in three rounds of four but cost every idle order about
	// 10 ms (README, Consumer fetches).
	FetchWait time.Duration
}

// SASL holds SCRAM (or PLAIN) credentials for brokers that require them.
type SASL struct {
	Mechanism string // "SCRAM-SHA-512", "SCRAM-SHA-256" or "PLAIN"
	User      string
	Password  string
}

// Sarama returns a fresh sarama configuration with orderflow's no-loss,
// low-latency settings. Each caller gets its own copy, because goka's
// builders write the client id and partitioner into the one they are given.
func (c Config) Sarama(clientID string) (*sarama.Config, error) {
	sc := sarama.NewConfig()
	sc.ClientID = clientID
	sc.Version = ProtocolVersion
	c.producer(sc)
	c.consumer(sc)
	if c.TLS != nil {
		sc.Net.TLS.Enable = true
		sc.Net.TLS.Config = c.TLS
	}
	if err := c.SASL.apply(sc); err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("validating sarama config: %w", err)
	}
	return sc, nil
}

// producer sets the producer's no-loss, low-latency settings.
func (c Config) producer(sc *sarama.Config) {
	// No loss and no duplicates from producer retries: wait for every
	// in-sync replica and let the broker drop retried batches.
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Idempotent = true
	sc.Net.MaxOpenRequests = 1
	sc.Producer.Retry.Max = 10
	sc.Producer.Retry.Backoff = 100 * time.Millisecond
	sc.Producer.Return.Successes = true
	sc.Producer.Return.Errors = true
	sc.Producer.Partitioner = sarama.NewCustomHashPartitioner(NewMurmur2)
	sc.Producer.Compression = sarama.CompressionLZ4
	sc.Producer.MaxMessageBytes = 4 << 20
	// Send as soon as a record is ready, unless FlushFrequency says to wait
	// a little for more. goka's default waits up to 100 ms per hop.
	sc.Producer.Flush.Frequency = 0
	sc.Producer.Flush.Bytes = 0
	sc.Producer.Flush.Messages = 0
	if c.FlushFrequency > 0 {
		sc.Producer.Flush.Frequency = c.FlushFrequency
		sc.Producer.Flush.Bytes = 64 << 10
	}
}

// consumer sets how groups start, fail over and share partitions.
func (c Config) consumer(sc *sarama.Config) {
	sc.Consumer.Return.Errors = true
	if c.FetchWait > 0 {
		sc.Consumer.Fetch.Min = 64 << 10
		sc.Consumer.MaxWaitTime = c.FetchWait
	}
	// A new group starts from the oldest record: an order written before a
	// stage first ran is still processed.
	sc.Consumer.Offsets.Initial = sarama.OffsetOldest
	sc.Consumer.MaxProcessingTime = time.Second
	// A crashed instance's partitions move on after 6 s (the broker's
	// smallest allowed session) instead of sarama's 10 s.
	sc.Consumer.Group.Session.Timeout = 6 * time.Second
	sc.Consumer.Group.Heartbeat.Interval = 2 * time.Second
	sc.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{goka.CopartitioningStrategy}
}

// Validate checks the configuration once at start-up.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return fmt.Errorf("no kafka brokers configured")
	}
	if c.Partitions < 1 {
		return fmt.Errorf("partitions must be at least 1, not %d", c.Partitions)
	}
	if c.Replication < 0 {
		return fmt.Errorf("replication must be 0 (by broker count) or more, not %d", c.Replication)
	}
	if c.FetchWait < 0 || c.FetchWait%time.Millisecond != 0 {
		// The fetch request carries whole milliseconds.
		return fmt.Errorf("fetch wait must be 0 or whole milliseconds, not %v", c.FetchWait)
	}
	sc, err := c.Sarama("validate")
	if err != nil {
		return err
	}
	if c.InstanceID != "" {
		// sarama's own rules for the id, checked once here rather than
		// when the first processor joins.
		sc.Consumer.Group.InstanceId = c.InstanceID + "-member"
		if err := sc.Validate(); err != nil {
			return fmt.Errorf("instance id %q: %w", c.InstanceID, err)
		}
	}
	return nil
}

func (s SASL) apply(sc *sarama.Config) error {
	if s.Mechanism == "" {
		return nil
	}
	sc.Net.SASL.Enable = true
	sc.Net.SASL.User = s.User
	sc.Net.SASL.Password = s.Password
	switch s.Mechanism {
	case sarama.SASLTypeSCRAMSHA512:
		sc.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		sc.Net.SASL.SCRAMClientGeneratorFunc = scramSHA512
	case sarama.SASLTypeSCRAMSHA256:
		sc.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		sc.Net.SASL.SCRAMClientGeneratorFunc = scramSHA256
	case sarama.SASLTypePlaintext:
		sc.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	default:
		return fmt.Errorf("unsupported SASL mechanism %q", s.Mechanism)
	}
	return nil
}
