package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWatchFlags(t *testing.T) {
	parse := func(args []string, env map[string]string) (watchConfig, error) {
		var c watchConfig
		err := watchFlags(&c, func(k string) string { return env[k] }, io.Discard).parse(args)
		return c, err
	}

	t.Run("the token comes from the environment, or from --token", func(t *testing.T) {
		c, err := parse([]string{"--customer", "alice"}, map[string]string{"ORDERFLOW_TOKEN": "from-env"})
		require.NoError(t, err)
		require.Equal(t, secret("from-env"), c.Token)
		c, err = parse([]string{"--customer", "alice", "--token", "from-flag"}, map[string]string{"ORDERFLOW_TOKEN": "from-env"})
		require.NoError(t, err)
		require.Equal(t, secret("from-flag"), c.Token)
	})

	t.Run("without NATS_URL it watches the server `all` embeds", func(t *testing.T) {
		c, err := parse([]string{"--customer", "alice", "--nats-port", "4333"}, nil)
		require.NoError(t, err)
		require.Equal(t, "nats://127.0.0.1:4333", c.clientURL())
		c, err = parse([]string{"--customer", "alice"}, map[string]string{"NATS_URL": "nats://n:4222"})
		require.NoError(t, err)
		require.Equal(t, "nats://n:4222", c.clientURL())
	})
}
