package main

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"orderflow/gateway"
	"orderflow/kafka"
	"orderflow/retry"
)

// Config is every setting of the services, with defaults from the
// environment. It is built once in main and passed down; nothing below cmd/
// reads the environment. The tools (token, watch, dlq) read their own.
type Config struct {
	Kafka    kafka.Config
	KafkaTLS tlsFiles
	natsConfig
	DataDir     string
	HTTPAddr    string
	MetricsAddr string
	Pprof       bool
	// StaticMembership makes processors static members of their groups,
	// under InstanceID, or the id kept in DataDir when that is empty.
	StaticMembership bool
	InstanceID       string
	// LagInterval is how often a process reads its groups' lag.
	LagInterval time.Duration
	LogFormat   string
	LogLevel    slog.Level

	Retry retry.Policy
	// InFlight caps the calls to the outside world one stage has out.
	InFlight int
	Gateway  struct {
		Ledger, URL, Addr string
		Latency           gateway.Latency
	}
	Auth      authConfig
	Callout   calloutConfig
	Tracing   tracingConfig
	RateLimit struct {
		PerSecond float64
		Burst     int
	}

	startup []any // the settings for the start-up line, from the flags
}

// natsConfig says how to reach NATS, for the services and `watch`.
type natsConfig struct {
	NATSURL  string // empty: `all` embeds a NATS server
	NATSUser string
	NATSPass secret
	NATSPort int // of the embedded server
}

// authConfig says how customers' tokens are signed and checked.
type authConfig struct {
	HS256Secret secret
	JWKSFile    string
	JWKSURL     string
	Issuer      string
	Audience    string
}

// parseConfig reads the flags of the service name, each defaulting from its
// environment variable.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	f := serviceFlags(&c, name, getenv, stderr)
	if err := f.parse(args); err != nil {
		return Config{}, err
	}
	if err := c.finish(); err != nil {
		return Config{}, err
	}
	c.startup = append(f.attrs(), "tracing", c.Tracing.shown()) // after finish, which fills in derived defaults
	return c, nil
}

// serviceFlags registers every setting of the services, to be parsed into c.
func serviceFlags(c *Config, name string, getenv func(string) string, output io.Writer) *envFlags {
	f := newEnvFlags(name, getenv, output)
	addKafkaFlags(f, &c.Kafka, &c.KafkaTLS)
	addTopicFlags(f, &c.Kafka)
	addNATSFlags(f, &c.natsConfig)
	addProcessFlags(f, c)
	addPaymentFlags(f, c)
	addAuthFlags(f, &c.Auth)
	addCalloutFlags(f, &c.Callout)
	addTracingFlags(f, &c.Tracing)
	f.Float(&c.RateLimit.PerSecond, "rate-limit", "RATE_LIMIT", 50, "requests per second per customer and per address")
	f.Int(&c.RateLimit.Burst, "rate-burst", "RATE_BURST", 100, "burst per customer and per address")
	return f
}

func addNATSFlags(f *envFlags, n *natsConfig) {
	f.String(&n.NATSURL, "nats-url", "NATS_URL", "", "NATS server; empty: the all command embeds one")
	f.String(&n.NATSUser, "nats-user", "NATS_USER", "", "NATS user")
	f.Secret(&n.NATSPass, "nats-password", "NATS_PASSWORD", "NATS `password`")
	f.Int(&n.NATSPort, "nats-port", "NATS_PORT", 4222, "port of the embedded NATS server")
}

// defaultMetricsAddr is where a service serves its metrics and health unless
// told otherwise; `orderflow healthcheck` asks there by the same default.
const defaultMetricsAddr = "127.0.0.1:9090"

// addProcessFlags registers where a process keeps its state, listens and
// logs.
func addProcessFlags(f *envFlags, c *Config) {
	f.String(&c.DataDir, "data-dir", "DATA_DIR", ".data/orderflow", "local state: goka tables, NATS store, gateway ledger")
	f.String(&c.HTTPAddr, "http-addr", "HTTP_ADDR", "127.0.0.1:8080", "API address")
	f.String(&c.MetricsAddr, "metrics-addr", "METRICS_ADDR", defaultMetricsAddr, "Prometheus /metrics, /healthz and /readyz address; empty for none")
	f.Bool(&c.Pprof, "pprof", "PPROF", false, "serve net/http/pprof's profiles on the metrics address too")
	f.Bool(&c.StaticMembership, "static-membership", "STATIC_MEMBERSHIP", true, "join consumer groups as a static member, so that a crashed processor restarted within the session timeout gets its partitions back without a rebalance")
	f.Duration(&c.LagInterval, "lag-interval", "LAG_INTERVAL", 5*time.Second, "how often a process with processors reads its groups' consumer lag for /metrics; 0 never")
	f.String(&c.InstanceID, "instance-id", "INSTANCE_ID", "", "group instance id of this process; empty: the one kept in DATA_DIR/instance-id, made at first start")
	f.String(&c.LogFormat, "log-format", "LOG_FORMAT", "text", "text or json")
	f.Text(&c.LogLevel, "log-level", "LOG_LEVEL", slog.LevelInfo, "`level` of logging: debug, info, warn or error")
}

// addPaymentFlags registers the payment gateway and the retries of calls to
// it.
func addPaymentFlags(f *envFlags, c *Config) {
	f.Int(&c.Retry.Attempts, "retry-attempts", "RETRY_ATTEMPTS", 5, "attempts at a transient failure before an order fails")
	f.Duration(&c.Retry.Base, "retry-base", "RETRY_BASE", 100*time.Millisecond, "first backoff")
	f.Duration(&c.Retry.Max, "retry-max", "RETRY_MAX", 5*time.Second, "longest backoff")
	f.Int(&c.InFlight, "in-flight", "IN_FLIGHT", 1024, "gateway calls (payment) or deliveries (notifications) an instance has out at once, over all its partitions")
	f.String(&c.Gateway.URL, "gateway-url", "GATEWAY_URL", "", "payment gateway over HTTP; empty runs the simulated one in process")
	f.String(&c.Gateway.Addr, "gateway-addr", "GATEWAY_ADDR", "127.0.0.1:8090", "address the gateway command serves on")
	f.String(&c.Gateway.Ledger, "gateway-ledger", "GATEWAY_LEDGER", "", "simulated gateway's ledger, a LevelDB folder; default DATA_DIR/gateway-ledger")
	f.Duration(&c.Gateway.Latency.Fixed, "gateway-latency", "GATEWAY_LATENCY", 0, "the simulated gateway's answer time, to measure with a slow provider")
	f.Duration(&c.Gateway.Latency.Jitter, "gateway-jitter", "GATEWAY_JITTER", 0, "a random part of up to this much added to each simulated answer")
}

// addSigningFlags registers what tokens are signed with and must say: what
// the services check and `token` mints with.
func addSigningFlags(f *envFlags, a *authConfig) {
	f.Secret(&a.HS256Secret, "auth-hs256-secret", "AUTH_HS256_SECRET", "development HS256 `key` of tokens, at least 32 bytes")
	f.String(&a.Issuer, "auth-issuer", "AUTH_ISSUER", "orderflow", "required token issuer")
	f.String(&a.Audience, "auth-audience", "AUTH_AUDIENCE", "orderflow-api", "required token audience")
}

func addAuthFlags(f *envFlags, a *authConfig) {
	addSigningFlags(f, a)
	f.String(&a.JWKSFile, "auth-jwks-file", "AUTH_JWKS_FILE", "", "JWKS file with the RS256/ES256 keys that sign tokens")
	f.String(&a.JWKSURL, "auth-jwks-url", "AUTH_JWKS_URL", "", "https URL of the JWKS")
}

// finish checks what flags cannot and fills in defaults derived from other
// settings.
func (c *Config) finish() error {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	if c.Gateway.Ledger == "" {
		c.Gateway.Ledger = filepath.Join(c.DataDir, "gateway-ledger")
	}
	return nil
}

// clientURL is the NATS server to connect to: the configured one, or the
// one `all` embeds.
func (n natsConfig) clientURL() string {
	if n.NATSURL != "" {
		return n.NATSURL
	}
	return fmt.Sprintf("nats://127.0.0.1:%d", n.NATSPort)
}

func (c Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel, ReplaceAttr: readableDurations}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// readableDurations writes durations as "1.5ms" rather than slog's JSON
// default, an integer of nanoseconds that a person reading logs must count.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// logAttrs describes the configuration for the start-up line: every flag,
// keyed by its environment variable, secrets masked.
func (c Config) logAttrs() []any { return c.startup }
