package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"
)

// composeEnv runs `orderflow compose-env` and reads what it printed.
func composeEnv(t *testing.T) map[string]string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"compose-env"}, func(string) string { return "" }, &out, io.Discard))
	return parseDotEnv(t, out.String())
}

func parseDotEnv(t *testing.T, s string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		require.True(t, ok, "line %q", l)
		vars[k] = v
	}
	return vars
}

func TestComposeEnv(t *testing.T) {
	t.Run("every secret compose requires is made, fresh each time", func(t *testing.T) {
		a, b := composeEnv(t), composeEnv(t)
		require.Len(t, a, len(composeSecretNames))
		for _, k := range composeSecretNames {
			require.NotEmpty(t, a[k], k)
			require.NotEqual(t, a[k], b[k], k)
		}
	})

	t.Run("the secrets are strong enough and read as strings to nats-server", func(t *testing.T) {
		vars := composeEnv(t)
		require.GreaterOrEqual(t, len(vars["AUTH_HS256_SECRET"]), 32, "the API refuses a shorter secret")
		for _, k := range []string{"AUTH_HS256_SECRET", "NATS_SERVICE_PASSWORD", "NATS_CALLOUT_PASSWORD", "GRAFANA_ADMIN_PASSWORD"} {
			require.GreaterOrEqual(t, len(vars[k]), 32, k)
			require.Regexp(t, "^[A-Za-z]+$", vars[k], k)
		}
	})

	t.Run("the callout's seed signs as the issuer nats-server is told to trust", func(t *testing.T) {
		vars := composeEnv(t)
		kp, err := calloutIssuer(secret(vars["NATS_CALLOUT_SEED"]))
		require.NoError(t, err)
		pub, err := kp.PublicKey()
		require.NoError(t, err)
		require.Equal(t, vars["NATS_CALLOUT_ISSUER"], pub)
		require.True(t, nkeys.IsValidPublicAccountKey(pub))
	})

	t.Run("a file is written for its owner only, and never overwritten", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), ".env")
		none := func(string) string { return "" }
		require.NoError(t, run(context.Background(), []string{"compose-env", "-o", path}, none, io.Discard, io.Discard))
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
		first, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Len(t, parseDotEnv(t, string(first)), len(composeSecretNames))

		err = run(context.Background(), []string{"compose-env", "-o", path}, none, io.Discard, io.Discard)
		require.ErrorIs(t, err, os.ErrExist)
		again, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, first, again)
	})

	t.Run("output that cannot be written fails the command", func(t *testing.T) {
		err := run(context.Background(), []string{"compose-env"}, func(string) string { return "" }, closedOutput{}, io.Discard)
		require.ErrorIs(t, err, errClosedOutput)
	})
}
