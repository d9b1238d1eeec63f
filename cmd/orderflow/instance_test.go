package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/kafka"
)

func TestInstanceID(t *testing.T) {
	t.Run("is made at first start, kept in the data folder and the same at the next start", func(t *testing.T) {
		dir := t.TempDir()
		first, err := resolveInstanceID(true, "", dir)
		require.NoError(t, err)
		require.NotEmpty(t, first)
		again, err := resolveInstanceID(true, "", dir)
		require.NoError(t, err)
		require.Equal(t, first, again)
		b, err := os.ReadFile(filepath.Join(dir, instanceIDFile))
		require.NoError(t, err)
		require.Equal(t, first+"\n", string(b))
	})
	t.Run("differs between data folders", func(t *testing.T) {
		a, err := resolveInstanceID(true, "", t.TempDir())
		require.NoError(t, err)
		b, err := resolveInstanceID(true, "", t.TempDir())
		require.NoError(t, err)
		require.NotEqual(t, a, b)
	})
	t.Run("is the configured one when set, and no file is made", func(t *testing.T) {
		dir := t.TempDir()
		id, err := resolveInstanceID(true, "payment-1", dir)
		require.NoError(t, err)
		require.Equal(t, "payment-1", id)
		require.NoFileExists(t, filepath.Join(dir, instanceIDFile))
	})
	t.Run("is empty when static membership is off", func(t *testing.T) {
		id, err := resolveInstanceID(false, "payment-1", t.TempDir())
		require.NoError(t, err)
		require.Empty(t, id)
	})
	t.Run("made ones are ids Kafka accepts", func(t *testing.T) {
		id, err := newInstanceID()
		require.NoError(t, err)
		cfg := kafka.Config{Brokers: []string{"127.0.0.1:9092"}, Partitions: 1, Replication: 1, InstanceID: id}
		require.NoError(t, cfg.Validate())
	})
}
