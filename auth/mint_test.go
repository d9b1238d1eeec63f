package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

func TestMintedTokensVerify(t *testing.T) {
	tests := []struct {
		name  string
		roles []string
		want  auth.Identity
	}{
		{"a customer token identifies the customer", nil, auth.Identity{CustomerID: testCustomer}},
		{"an admin token grants admin", []string{auth.RoleAdmin}, auth.Identity{CustomerID: testCustomer, Admin: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims := auth.Claims{Issuer: testIssuer, Audience: testAudience, CustomerID: testCustomer, Roles: tc.roles}
			token, err := auth.MintHS256(loadTestKeys().secret, claims, time.Hour, testNow)
			require.NoError(t, err)

			got, err := hsVerifier(t).Verify(context.Background(), token)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMintedTokensExpireAfterTheirTTL(t *testing.T) {
	claims := auth.Claims{Issuer: testIssuer, Audience: testAudience, CustomerID: testCustomer}
	token, err := auth.MintHS256(loadTestKeys().secret, claims, time.Hour, testNow)
	require.NoError(t, err)
	cfg := baseConfig()
	cfg.HS256Secret = loadTestKeys().secret
	cfg.Now = func() time.Time { return testNow.Add(time.Hour + auth.DefaultLeeway) }

	_, err = newVerifier(t, cfg).Verify(context.Background(), token)

	require.ErrorIs(t, err, auth.ErrUnauthenticated)
}

func TestMintHS256RefusesWhatVerifiersRefuse(t *testing.T) {
	good := auth.Claims{Issuer: testIssuer, Audience: testAudience, CustomerID: testCustomer}
	secret := loadTestKeys().secret
	tests := []struct {
		name   string
		secret []byte
		claims auth.Claims
		ttl    time.Duration
		want   string
	}{
		{"a short secret is refused", secret[:16], good, time.Hour, "at least 32"},
		{"a customer id with a space is refused", secret, auth.Claims{Issuer: testIssuer, Audience: testAudience, CustomerID: "a b"}, time.Hour, "customer_id"},
		{"an empty customer id is refused", secret, auth.Claims{Issuer: testIssuer, Audience: testAudience}, time.Hour, "customer_id: is required"},
		{"a missing audience is refused", secret, auth.Claims{Issuer: testIssuer, CustomerID: testCustomer}, time.Hour, "audience"},
		{"a zero ttl is refused", secret, good, 0, "ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth.MintHS256(tc.secret, tc.claims, tc.ttl, testNow)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
