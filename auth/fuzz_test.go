package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

func FuzzVerify(f *testing.F) {
	good := signHS(f, with(jwt.MapClaims{"roles": []string{"admin"}}))
	for _, seed := range []string{
		good,
		signHS(f, validClaims()),
		good[:len(good)/2],
		good[:len(good)-1],
		strings.ReplaceAll(good, ".", ".."),
		unsigned(f, "none"),
		signRS(f, validClaims()),
		tamper(f, good, func(c jwt.MapClaims) { c["sub"] = "mallory" }),
		"",
		"..",
		"garbage",
		"e30.e30.",
	} {
		f.Add(seed)
	}
	v := hsVerifier(f)

	f.Fuzz(func(t *testing.T, raw string) {
		id, err := v.Verify(context.Background(), raw)
		if err != nil {
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
			var ae *auth.Error
			require.ErrorAs(t, err, &ae)
			require.NotEmpty(t, ae.Reason)
			return
		}
		requireGenuine(t, raw, id)
	})
}

// requireGenuine checks an accepted token without the jwt library: its
// signature is our HMAC of its first two segments, and its claims say what
// Verify said.
func requireGenuine(t *testing.T, raw string, id auth.Identity) {
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	mac := hmac.New(sha256.New, loadTestKeys().secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	require.NoError(t, err)
	require.True(t, hmac.Equal(mac.Sum(nil), sig), "accepted a token we did not sign")

	var header struct{ Alg string }
	decodeSegment(t, parts[0], &header)
	require.Equal(t, "HS256", header.Alg)

	var claims struct {
		Iss   string
		Sub   string
		Aud   any
		Exp   *float64
		Roles []string
	}
	decodeSegment(t, parts[1], &claims)
	require.Equal(t, testIssuer, claims.Iss)
	require.Equal(t, claims.Sub, id.CustomerID)
	require.NotNil(t, claims.Exp)
	require.GreaterOrEqual(t, *claims.Exp, float64(testNow.Add(-auth.DefaultLeeway).Unix()))
	require.Equal(t, slices.Contains(claims.Roles, auth.RoleAdmin), id.Admin)
}

func decodeSegment(t *testing.T, seg string, v any) {
	data, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}
