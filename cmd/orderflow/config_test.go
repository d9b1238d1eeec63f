package main

import (
	"bytes"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseConfig(t *testing.T) {
	env := map[string]string{"KAFKA_BROKERS": "k1:9092, k2:9092", "RETRY_BASE": "250ms", "AUTH_HS256_SECRET": "s", "LOG_FORMAT": "json"}
	getenv := func(k string) string { return env[k] }

	t.Run("defaults come from the environment and flags win", func(t *testing.T) {
		c, err := parseConfig("payment", []string{"-retry-attempts", "7"}, getenv, io.Discard)
		require.NoError(t, err)
		require.Equal(t, []string{"k1:9092", "k2:9092"}, c.Kafka.Brokers)
		require.Equal(t, 250*time.Millisecond, c.Retry.Base)
		require.Equal(t, 7, c.Retry.Attempts)
		require.Equal(t, int32(6), c.Kafka.Partitions)
		require.Equal(t, int16(0), c.Kafka.Replication, "0: chosen from the broker count")
		require.Equal(t, ".data/orderflow/gateway-ledger", c.Gateway.Ledger)
		require.Equal(t, "json", c.LogFormat)
	})

	t.Run("the start-up line shows derived defaults", func(t *testing.T) {
		c, err := parseConfig("payment", nil, getenv, io.Discard)
		require.NoError(t, err)
		require.Equal(t, ".data/orderflow/gateway-ledger", attrMap(c.logAttrs())["gateway_ledger"])
	})

	t.Run("bad values are refused", func(t *testing.T) {
		for _, args := range [][]string{
			{"-log-format", "xml"}, {"-log-level", "loud"}, {"-kafka-partitions", "x"},
			{"-kafka-brokers", "k:9092", "stray"},
		} {
			_, err := parseConfig("api", args, getenv, io.Discard)
			require.Error(t, err, "%v", args)
		}
	})

	t.Run("partitions and replication Kafka cannot hold are refused, not wrapped", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"-kafka-partitions", "4294967297"}, "from 1 to 2147483647"},
			{[]string{"-kafka-partitions", "0"}, "from 1 to 2147483647"},
			{[]string{"-kafka-replication", "70000"}, "from 0 to 32767"},
			{[]string{"-kafka-replication", "-1"}, "from 0 to 32767"},
		} {
			_, err := parseConfig("topics", tt.args, getenv, io.Discard)
			require.ErrorContains(t, err, tt.want, "%v", tt.args)
		}
		_, err := parseConfig("topics", nil, func(k string) string {
			return map[string]string{"KAFKA_PARTITIONS": "4294967297"}[k]
		}, io.Discard)
		require.ErrorContains(t, err, "KAFKA_PARTITIONS")
	})

	t.Run("an environment value that does not parse stops the start", func(t *testing.T) {
		for k, v := range map[string]string{"KAFKA_TLS": "yes", "RETRY_ATTEMPTS": "many", "RETRY_MAX": "5", "RATE_LIMIT": "fast", "LOG_LEVEL": "loud"} {
			_, err := parseConfig("api", nil, func(key string) string {
				if key == k {
					return v
				}
				return ""
			}, io.Discard)
			require.ErrorContains(t, err, k)
		}
	})
}

// attrMap turns slog's key, value list into a map.
func attrMap(attrs []any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(attrs); i += 2 {
		m[attrs[i].(string)] = attrs[i+1]
	}
	return m
}

// JSON logs write durations for people: "1.5ms", not 1500000.
func TestLogsWriteDurationsReadably(t *testing.T) {
	var out bytes.Buffer
	Config{LogFormat: "json", LogLevel: slog.LevelInfo}.logger(&out).Info("waited", "wait", 1500*time.Microsecond)
	require.Contains(t, out.String(), `"wait":"1.5ms"`)
}
