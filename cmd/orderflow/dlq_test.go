package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDLQ(t *testing.T) {
	none := func(string) string { return "" }

	t.Run("the action comes before the flags, after them, or between", func(t *testing.T) {
		for _, args := range [][]string{
			{"replay", "--id", "1:5", "--id", "0:2"},
			{"--id", "1:5", "--id", "0:2", "replay"},
			{"--id", "1:5", "replay", "--id", "0:2"},
		} {
			c, err := parseDLQ(args, none, io.Discard)
			require.NoError(t, err, "%v", args)
			require.Equal(t, "replay", c.Action)
			require.Equal(t, dlqIDs{{1, 5}, {0, 2}}, c.IDs)
		}
	})

	t.Run("list and replay --all need no ids", func(t *testing.T) {
		c, err := parseDLQ([]string{"list"}, none, io.Discard)
		require.NoError(t, err)
		require.Equal(t, "list", c.Action)
		c, err = parseDLQ([]string{"replay", "--all"}, none, io.Discard)
		require.NoError(t, err)
		require.True(t, c.All)
	})

	t.Run("what cannot be meant is refused", func(t *testing.T) {
		for _, args := range [][]string{
			nil,
			{"show"},
			{"replay"},
			{"list", "--all"},
			{"replay", "--id", "1:2", "--all"},
			{"replay", "--id", "nope"},
			{"replay", "--id", "-1:0"},
			{"replay", "--id", "1:-5"},
			{"replay", "--id", "1:2", "extra"},
		} {
			_, err := parseDLQ(args, none, io.Discard)
			require.Error(t, err, "%v", args)
		}
	})

	t.Run("a partition Kafka cannot have is refused, not wrapped", func(t *testing.T) {
		_, err := parseDLQ([]string{"replay", "--id", "4294967297:1"}, none, io.Discard)
		require.ErrorContains(t, err, "from 0 to 2147483647")
	})

	t.Run("only the Kafka settings are read from the environment", func(t *testing.T) {
		env := map[string]string{"KAFKA_BROKERS": "k1:9092", "RATE_LIMIT": "fast"}
		c, err := parseDLQ([]string{"list"}, func(k string) string { return env[k] }, io.Discard)
		require.NoError(t, err)
		require.Equal(t, []string{"k1:9092"}, c.Kafka.Brokers)
		_, err = parseDLQ([]string{"list"}, func(k string) string { return map[string]string{"KAFKA_TLS": "yes"}[k] }, io.Discard)
		require.ErrorContains(t, err, "KAFKA_TLS")
	})
}
