package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseConfig(t *testing.T) {
	env := map[string]string{"KAFKA_BROKERS": "k1:9092, k2:9092", "RETRY_BASE": "250ms", "AUTH_HS256_SECRET": "s", "LOG_FORMAT": "json"}
	getenv := func(k string) string { return env[k] }

	t.Run("defaults come from the environment and flags win", func(t *testing.T) {
		c, rest, err := parseConfig("payment", []string{"-retry-attempts", "7"}, getenv, io.Discard)
		require.NoError(t, err)
		require.Empty(t, rest)
		require.Equal(t, []string{"k1:9092", "k2:9092"}, c.Kafka.Brokers)
		require.Equal(t, 250*time.Millisecond, c.Retry.Base)
		require.Equal(t, 7, c.Retry.Attempts)
		require.Equal(t, int32(6), c.Kafka.Partitions)
		require.Equal(t, ".data/orderflow/gateway-ledger.jsonl", c.Gateway.Ledger)
	})

	t.Run("dlq takes its action before or after the flags", func(t *testing.T) {
		for _, args := range [][]string{{"replay", "--id", "1:5", "--id", "0:2"}, {"--id", "1:5", "--id", "0:2", "replay"}} {
			c, rest, err := parseConfig("dlq", args, getenv, io.Discard)
			require.NoError(t, err)
			require.Equal(t, []string{"replay"}, rest)
			require.Equal(t, offsets{{1, 5}, {0, 2}}, c.Offsets)
		}
	})

	t.Run("secrets are masked in the start-up line", func(t *testing.T) {
		c, _, err := parseConfig("all", nil, getenv, io.Discard)
		require.NoError(t, err)
		attrs := c.logAttrs()
		for i := 0; i < len(attrs); i += 2 {
			if attrs[i] == "auth_hs256_secret" {
				require.Equal(t, "*****", attrs[i+1])
			}
		}
	})

	t.Run("bad values are refused", func(t *testing.T) {
		for _, args := range [][]string{{"-log-format", "xml"}, {"-log-level", "loud"}, {"-kafka-partitions", "x"}} {
			_, _, err := parseConfig("api", args, getenv, io.Discard)
			require.Error(t, err, "%v", args)
		}
		_, _, err := parseConfig("dlq", []string{"--id", "nope", "replay"}, getenv, io.Discard)
		require.Error(t, err)
	})

	t.Run("an environment value that does not parse stops the start", func(t *testing.T) {
		for k, v := range map[string]string{"KAFKA_TLS": "yes", "RETRY_ATTEMPTS": "many", "RETRY_MAX": "5", "RATE_LIMIT": "fast"} {
			_, _, err := parseConfig("api", nil, func(key string) string {
				if key == k {
					return v
				}
				return ""
			}, io.Discard)
			require.ErrorContains(t, err, k)
		}
	})
}
