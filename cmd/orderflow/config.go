package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"orderflow/kafka"
	"orderflow/retry"
)

// Config is every setting of every service, with defaults from the
// environment. It is built once in main and passed down; nothing below cmd/
// reads the environment.
type Config struct {
	Kafka       kafka.Config
	KafkaTLS    tlsFiles
	NATSURL     string // empty: `all` embeds a NATS server
	NATSUser    string
	NATSPass    secret
	NATSPort    int // of the embedded server
	DataDir     string
	HTTPAddr    string
	MetricsAddr string
	LogFormat   string
	LogLevel    slog.Level

	Retry   retry.Policy
	Gateway struct{ Ledger, URL, Addr string }

	Auth struct {
		HS256Secret secret
		JWKSFile    string
		JWKSURL     string
		Issuer      string
		Audience    string
	}
	RateLimit struct {
		PerSecond float64
		Burst     int
	}

	// Flags of single subcommands.
	Customer string
	Token    string
	Admin    bool
	TokenTTL time.Duration
	Offsets  offsets
	All      bool
}

type tlsFiles struct {
	Enable   bool
	CAFile   string
	CertFile string
	KeyFile  string
}

// secret is a string that prints masked.
type secret string

func (s secret) String() string {
	if s == "" {
		return ""
	}
	return "*****"
}

func (s *secret) Set(v string) error { *s = secret(v); return nil }

// offsets names dead letters as partition:offset.
type offsets []dlqID

type dlqID struct {
	partition int32
	offset    int64
}

func (o *offsets) String() string { return fmt.Sprint(*o) }
func (o *offsets) Set(v string) error {
	p, off, ok := strings.Cut(v, ":")
	pn, err1 := strconv.ParseInt(p, 10, 32)
	on, err2 := strconv.ParseInt(off, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("dead letter %q: want partition:offset, as `dlq list` prints", v)
	}
	*o = append(*o, dlqID{int32(pn), on})
	return nil
}

type brokers []string

func (b *brokers) String() string { return strings.Join(*b, ",") }
func (b *brokers) Set(v string) error {
	*b = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*b = append(*b, s)
		}
	}
	return nil
}

// parseConfig reads flags, defaulting each from its environment variable.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	var c Config
	fs := flag.NewFlagSet("orderflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := &defaults{getenv: getenv}

	var bs brokers
	_ = bs.Set(d.str("KAFKA_BROKERS", "127.0.0.1:9092"))
	fs.Var(&bs, "kafka-brokers", "Kafka bootstrap brokers, comma separated [KAFKA_BROKERS]")
	partitions := fs.Int("kafka-partitions", d.int("KAFKA_PARTITIONS", 6), "partitions of every topic [KAFKA_PARTITIONS]")
	replication := fs.Int("kafka-replication", d.int("KAFKA_REPLICATION", 1), "replication of every topic [KAFKA_REPLICATION]")
	fs.DurationVar(&c.Kafka.FlushFrequency, "kafka-flush-frequency", d.dur("KAFKA_FLUSH_FREQUENCY", 0), "how long producers may wait to fill a batch; 0 sends at once (goka's default is 100ms) [KAFKA_FLUSH_FREQUENCY]")
	fs.IntVar(&c.Kafka.MaxRecordBytes, "max-record-bytes", d.int("MAX_RECORD_BYTES", 1<<20), "larger input records go to dead letters [MAX_RECORD_BYTES]")
	fs.BoolVar(&c.KafkaTLS.Enable, "kafka-tls", d.bool("KAFKA_TLS", false), "use TLS to Kafka [KAFKA_TLS]")
	fs.StringVar(&c.KafkaTLS.CAFile, "kafka-tls-ca", d.str("KAFKA_TLS_CA", ""), "PEM CA bundle for Kafka's certificates [KAFKA_TLS_CA]")
	fs.StringVar(&c.KafkaTLS.CertFile, "kafka-tls-cert", d.str("KAFKA_TLS_CERT", ""), "client certificate (mTLS) [KAFKA_TLS_CERT]")
	fs.StringVar(&c.KafkaTLS.KeyFile, "kafka-tls-key", d.str("KAFKA_TLS_KEY", ""), "client key (mTLS) [KAFKA_TLS_KEY]")
	fs.StringVar(&c.Kafka.SASL.Mechanism, "kafka-sasl-mechanism", d.str("KAFKA_SASL_MECHANISM", ""), "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN; empty for none [KAFKA_SASL_MECHANISM]")
	fs.StringVar(&c.Kafka.SASL.User, "kafka-sasl-user", d.str("KAFKA_SASL_USER", ""), "SASL user [KAFKA_SASL_USER]")
	c.Kafka.SASL.Password = d.str("KAFKA_SASL_PASSWORD", "") // from the environment only: flags show in ps

	fs.StringVar(&c.NATSURL, "nats-url", d.str("NATS_URL", ""), "NATS server; empty embeds one in `all` [NATS_URL]")
	fs.StringVar(&c.NATSUser, "nats-user", d.str("NATS_USER", ""), "NATS user [NATS_USER]")
	c.NATSPass = secret(d.str("NATS_PASSWORD", ""))
	fs.IntVar(&c.NATSPort, "nats-port", d.int("NATS_PORT", 4222), "port of the embedded NATS server [NATS_PORT]")
	fs.StringVar(&c.DataDir, "data-dir", d.str("DATA_DIR", ".data/orderflow"), "local state: goka tables, NATS store, gateway ledger [DATA_DIR]")
	fs.StringVar(&c.HTTPAddr, "http-addr", d.str("HTTP_ADDR", "127.0.0.1:8080"), "API address [HTTP_ADDR]")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", d.str("METRICS_ADDR", "127.0.0.1:9090"), "Prometheus /metrics address; empty for none [METRICS_ADDR]")
	fs.StringVar(&c.LogFormat, "log-format", d.str("LOG_FORMAT", "text"), "text or json [LOG_FORMAT]")
	level := fs.String("log-level", d.str("LOG_LEVEL", "info"), "debug, info, warn or error [LOG_LEVEL]")

	fs.IntVar(&c.Retry.Attempts, "retry-attempts", d.int("RETRY_ATTEMPTS", 5), "attempts at a transient failure before an order fails [RETRY_ATTEMPTS]")
	fs.DurationVar(&c.Retry.Base, "retry-base", d.dur("RETRY_BASE", 100*time.Millisecond), "first backoff [RETRY_BASE]")
	fs.DurationVar(&c.Retry.Max, "retry-max", d.dur("RETRY_MAX", 5*time.Second), "longest backoff [RETRY_MAX]")
	fs.StringVar(&c.Gateway.URL, "gateway-url", d.str("GATEWAY_URL", ""), "payment gateway over HTTP; empty runs the simulated one in process [GATEWAY_URL]")
	fs.StringVar(&c.Gateway.Addr, "gateway-addr", d.str("GATEWAY_ADDR", "127.0.0.1:8090"), "address of `orderflow gateway` [GATEWAY_ADDR]")
	fs.StringVar(&c.Gateway.Ledger, "gateway-ledger", d.str("GATEWAY_LEDGER", ""), "simulated gateway's ledger file; default DATA_DIR/gateway-ledger.jsonl [GATEWAY_LEDGER]")

	c.Auth.HS256Secret = secret(d.str("AUTH_HS256_SECRET", ""))
	fs.StringVar(&c.Auth.JWKSFile, "auth-jwks-file", d.str("AUTH_JWKS_FILE", ""), "JWKS file with the RS256/ES256 keys that sign tokens [AUTH_JWKS_FILE]")
	fs.StringVar(&c.Auth.JWKSURL, "auth-jwks-url", d.str("AUTH_JWKS_URL", ""), "https URL of the JWKS [AUTH_JWKS_URL]")
	fs.StringVar(&c.Auth.Issuer, "auth-issuer", d.str("AUTH_ISSUER", "orderflow"), "required token issuer [AUTH_ISSUER]")
	fs.StringVar(&c.Auth.Audience, "auth-audience", d.str("AUTH_AUDIENCE", "orderflow-api"), "required token audience [AUTH_AUDIENCE]")
	fs.Float64Var(&c.RateLimit.PerSecond, "rate-limit", d.float("RATE_LIMIT", 50), "requests per second per customer and per address [RATE_LIMIT]")
	fs.IntVar(&c.RateLimit.Burst, "rate-burst", d.int("RATE_BURST", 100), "burst per customer and per address [RATE_BURST]")

	switch name {
	case "token", "watch":
		fs.StringVar(&c.Customer, "customer", "", "customer id")
		fs.StringVar(&c.Token, "token", d.str("ORDERFLOW_TOKEN", ""), "watch: the customer's API token, to read their notifications as them; prefer the environment, flags show in ps [ORDERFLOW_TOKEN]")
		fs.BoolVar(&c.Admin, "admin", false, "with the admin role")
		fs.DurationVar(&c.TokenTTL, "ttl", 24*time.Hour, "token lifetime")
	case "dlq":
		fs.Var(&c.Offsets, "id", "dead letter to replay, as partition:offset (repeatable)")
		fs.BoolVar(&c.All, "all", false, "replay every dead letter")
	}
	if name == "dlq" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// `dlq replay --id 1:2`: the action comes first, flags after it.
		args = append(args[1:len(args):len(args)], args[0])
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := errors.Join(d.errs...); err != nil {
		return c, nil, fmt.Errorf("environment: %w", err)
	}
	c.Kafka.Brokers = bs
	c.Kafka.Partitions = int32(*partitions)
	c.Kafka.Replication = int16(*replication)
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, nil, fmt.Errorf("log level: %w", err)
	}
	if c.Gateway.Ledger == "" {
		c.Gateway.Ledger = filepath.Join(c.DataDir, "gateway-ledger.jsonl")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, nil, fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	return c, fs.Args(), nil
}

func (c Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logAttrs describes the configuration for the start-up line; secrets are
// masked.
func (c Config) logAttrs() []any {
	return []any{
		"kafka_brokers", strings.Join(c.Kafka.Brokers, ","), "partitions", c.Kafka.Partitions,
		"replication", c.Kafka.Replication, "kafka_tls", c.KafkaTLS.Enable, "kafka_sasl", c.Kafka.SASL.Mechanism,
		"nats_url", c.NATSURL, "nats_user", c.NATSUser, "nats_password", c.NATSPass.String(),
		"data_dir", c.DataDir, "http_addr", c.HTTPAddr, "metrics_addr", c.MetricsAddr,
		"retry_attempts", c.Retry.Attempts, "retry_base", c.Retry.Base, "retry_max", c.Retry.Max,
		"auth_hs256_secret", c.Auth.HS256Secret.String(), "auth_jwks_file", c.Auth.JWKSFile, "auth_jwks_url", c.Auth.JWKSURL,
		"max_record_bytes", c.Kafka.MaxRecordBytes, "gateway_url", c.Gateway.URL,
	}
}

// defaults reads flag defaults from the environment. A value that does not
// parse is an error at start-up, not a silent fall back to the default
// (KAFKA_TLS=yes must not mean plaintext).
type defaults struct {
	getenv func(string) string
	errs   []error
}

func (d *defaults) str(k, def string) string {
	if v := d.getenv(k); v != "" {
		return v
	}
	return def
}

func (d *defaults) parse(k string, parse func(string) error) {
	if v := d.getenv(k); v != "" {
		if err := parse(v); err != nil {
			d.errs = append(d.errs, fmt.Errorf("%s=%q: %w", k, v, err))
		}
	}
}

func (d *defaults) int(k string, def int) int {
	d.parse(k, func(v string) (err error) { def, err = strconv.Atoi(v); return err })
	return def
}

func (d *defaults) float(k string, def float64) float64 {
	d.parse(k, func(v string) (err error) { def, err = strconv.ParseFloat(v, 64); return err })
	return def
}

func (d *defaults) bool(k string, def bool) bool {
	d.parse(k, func(v string) (err error) { def, err = strconv.ParseBool(v); return err })
	return def
}

func (d *defaults) dur(k string, def time.Duration) time.Duration {
	d.parse(k, func(v string) (err error) { def, err = time.ParseDuration(v); return err })
	return def
}

func usage(w io.Writer, getenv func(string) string) {
	fmt.Fprintln(w, "usage: orderflow <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nflags of every command (environment variable in brackets):")
	_, _, _ = parseConfig("all", []string{"-h"}, getenv, w)
}
