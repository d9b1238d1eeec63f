package kafka

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInstanceIDs(t *testing.T) {
	cfg := Config{Brokers: []string{"127.0.0.1:9092"}, Partitions: 6, Replication: 1}
	t.Run("none configured: dynamic membership", func(t *testing.T) {
		g, err := NewGoka(cfg, t.TempDir(), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		require.Empty(t, g.instanceID("payment"))
		require.NoError(t, g.Leave("payment", "payment"), "nothing to leave")
	})
	t.Run("each member of the process has its own id", func(t *testing.T) {
		c := cfg
		c.InstanceID = "host-1a2b"
		g, err := NewGoka(c, t.TempDir(), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		require.Equal(t, "host-1a2b-beside-payment", g.instanceID("beside-payment"))
		require.NotEqual(t, g.instanceID("beside-payment"), g.instanceID("beside-notifications"))
	})
	t.Run("an id Kafka would refuse is refused at start", func(t *testing.T) {
		c := cfg
		c.InstanceID = "no spaces/or slashes"
		require.ErrorContains(t, c.Validate(), "instance id")
	})
}
