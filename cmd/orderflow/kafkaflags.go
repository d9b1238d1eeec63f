package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"orderflow/kafka"
)

// tlsFiles names the files of a TLS connection to Kafka; they are read when
// a command starts, not when flags are parsed.
type tlsFiles struct {
	Enable   bool
	CAFile   string
	CertFile string
	KeyFile  string
}

// addKafkaFlags registers how to reach Kafka: the brokers, TLS and SASL,
// which the services and `dlq` share.
func addKafkaFlags(f *envFlags, k *kafka.Config, t *tlsFiles) {
	k.Brokers = []string{"127.0.0.1:9092"}
	f.Var((*brokers)(&k.Brokers), "kafka-brokers", "KAFKA_BROKERS", "Kafka bootstrap `brokers`, comma separated")
	f.Bool(&t.Enable, "kafka-tls", "KAFKA_TLS", false, "use TLS to Kafka")
	f.String(&t.CAFile, "kafka-tls-ca", "KAFKA_TLS_CA", "", "PEM CA bundle for Kafka's certificates")
	f.String(&t.CertFile, "kafka-tls-cert", "KAFKA_TLS_CERT", "", "client certificate (mTLS)")
	f.String(&t.KeyFile, "kafka-tls-key", "KAFKA_TLS_KEY", "", "client key (mTLS)")
	f.String(&k.SASL.Mechanism, "kafka-sasl-mechanism", "KAFKA_SASL_MECHANISM", "", "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN; empty for none")
	f.String(&k.SASL.User, "kafka-sasl-user", "KAFKA_SASL_USER", "", "SASL user")
	f.Secret((*secret)(&k.SASL.Password), "kafka-sasl-password", "KAFKA_SASL_PASSWORD", "SASL `password`")
}

// addTopicFlags registers how the services lay out and size records.
func addTopicFlags(f *envFlags, k *kafka.Config) {
	k.Partitions, k.Replication = 6, 0
	f.Var(narrowInt[int32]{&k.Partitions, 1}, "kafka-partitions", "KAFKA_PARTITIONS", "`number` of partitions of every topic")
	f.Var(narrowInt[int16]{&k.Replication, 0}, "kafka-replication", "KAFKA_REPLICATION", "replication `factor` of every topic; 0: one per broker, up to 3")
	f.Duration(&k.FlushFrequency, "kafka-flush-frequency", "KAFKA_FLUSH_FREQUENCY", 2*time.Millisecond, "how long producers may wait to fill a batch (or 64 KiB); 0 sends at once, goka's default is 100ms (README, Producer batching)")
	f.Duration(&k.FetchWait, "kafka-fetch-wait", "KAFKA_FETCH_WAIT", 0, "how long the broker may hold a consumer's fetch to gather records (or 64 KiB); 0 answers as soon as one is there (README, Consumer fetches)")
	f.Int(&k.MaxRecordBytes, "max-record-bytes", "MAX_RECORD_BYTES", 1<<20, "larger input records go to dead letters")
}

// apply loads the TLS files into k when TLS is enabled.
func (t tlsFiles) apply(k *kafka.Config) error {
	if !t.Enable {
		return nil
	}
	c, err := t.config()
	if err != nil {
		return err
	}
	k.TLS = c
	return nil
}

func (t tlsFiles) config() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading kafka CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka CA %s holds no PEM certificate", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading kafka client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
