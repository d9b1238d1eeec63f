package main

import (
	"context"
	"io"
	"testing"

	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"
)

func TestCalloutIssuer(t *testing.T) {
	seed := func(t *testing.T, create func() (nkeys.KeyPair, error)) secret {
		t.Helper()
		kp, err := create()
		require.NoError(t, err)
		s, err := kp.Seed()
		require.NoError(t, err)
		return secret(s)
	}

	t.Run("an account seed is the issuer", func(t *testing.T) {
		kp, err := calloutIssuer(seed(t, nkeys.CreateAccount))
		require.NoError(t, err)
		pub, err := kp.PublicKey()
		require.NoError(t, err)
		require.True(t, nkeys.IsValidPublicAccountKey(pub))
	})

	t.Run("no seed, a bad one, or another kind of key is refused at the start", func(t *testing.T) {
		for _, s := range []secret{"", "SAnotaseed", seed(t, nkeys.CreateUser), seed(t, nkeys.CreateOperator)} {
			_, err := calloutIssuer(s)
			require.ErrorContains(t, err, "NATS_CALLOUT_SEED")
		}
	})
}

func TestNATSAuthNeedsAServer(t *testing.T) {
	err := run(context.Background(), []string{"nats-auth"}, func(string) string { return "" }, io.Discard, io.Discard)
	require.ErrorContains(t, err, "NATS_URL is required")
}
