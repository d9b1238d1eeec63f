package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

func TestToken(t *testing.T) {
	const key = "dev-secret-change-me-0123456789abcdef"
	getenv := func(k string) string { return map[string]string{"AUTH_HS256_SECRET": key}[k] }

	t.Run("the token names the customer and, with --admin, the role", func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"token", "--customer", "alice", "--admin", "--ttl", "1h"}, getenv, &out, io.Discard))
		v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: "orderflow", Audience: "orderflow-api", HS256Secret: []byte(key)})
		require.NoError(t, err)
		who, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
		require.NoError(t, err)
		require.Equal(t, auth.Identity{CustomerID: "alice", Admin: true}, who)
	})

	t.Run("a token needs a customer and a secret", func(t *testing.T) {
		err := run(context.Background(), []string{"token"}, getenv, io.Discard, io.Discard)
		require.ErrorContains(t, err, "--customer")
		err = run(context.Background(), []string{"token", "--customer", "alice"}, func(string) string { return "" }, io.Discard, io.Discard)
		require.ErrorContains(t, err, "AUTH_HS256_SECRET")
	})

	t.Run("the tool reads no setting of the services", func(t *testing.T) {
		env := map[string]string{"AUTH_HS256_SECRET": key, "KAFKA_PARTITIONS": "many"}
		err := run(context.Background(), []string{"token", "--customer", "alice"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
		require.NoError(t, err)
	})

	t.Run("-h prints the flags and is no error", func(t *testing.T) {
		var stderr bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"token", "-h"}, getenv, io.Discard, &stderr))
		require.Contains(t, stderr.String(), "-customer")
		require.NotContains(t, stderr.String(), key)
	})
}
