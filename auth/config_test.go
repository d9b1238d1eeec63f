package auth_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	secret := loadTestKeys().secret
	tests := []struct {
		name   string
		change func(*auth.Config)
		want   string
	}{
		{"a config without issuer is refused", func(c *auth.Config) { c.HS256Secret, c.Issuer = secret, "" }, "issuer is required"},
		{"a config without audience is refused", func(c *auth.Config) { c.HS256Secret, c.Audience = secret, "" }, "audience is required"},
		{"a config without keys is refused", func(*auth.Config) {}, "exactly one of"},
		{"a config with a secret and a JWKS file is refused", func(c *auth.Config) {
			c.HS256Secret, c.JWKSFile = secret, "jwks.json"
		}, "exactly one of"},
		{"a config with a JWKS file and URL is refused", func(c *auth.Config) {
			c.JWKSFile, c.JWKSURL = "jwks.json", "https://id.test/jwks"
		}, "exactly one of"},
		{"a 31 byte secret is refused", func(c *auth.Config) { c.HS256Secret = secret[:31] }, "at least 32"},
		{"a negative leeway is refused", func(c *auth.Config) { c.HS256Secret, c.Leeway = secret, -time.Second }, "leeway"},
		{"a leeway over five minutes is refused", func(c *auth.Config) { c.HS256Secret, c.Leeway = secret, 6*time.Minute }, "leeway"},
		{"a plain http JWKS URL is refused", func(c *auth.Config) {
			c.JWKSURL, c.HTTPClient = "http://id.test/jwks", http.DefaultClient
		}, "https"},
		{"a relative JWKS URL is refused", func(c *auth.Config) {
			c.JWKSURL, c.HTTPClient = "/jwks", http.DefaultClient
		}, "https"},
		{"a JWKS URL without client is refused", func(c *auth.Config) { c.JWKSURL = "https://id.test/jwks" }, "HTTP client"},
		{"a missing JWKS file is refused", func(c *auth.Config) {
			c.JWKSFile = filepath.Join(t.TempDir(), "missing.json")
		}, "reading JWKS file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			tc.change(&cfg)
			_, err := auth.NewVerifier(context.Background(), cfg)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestNewVerifierCopiesTheSecret(t *testing.T) {
	cfg := baseConfig()
	cfg.HS256Secret = append([]byte(nil), loadTestKeys().secret...)
	v := newVerifier(t, cfg)

	cfg.HS256Secret[0] ^= 0xff

	_, err := v.Verify(context.Background(), signHS(t, validClaims()))
	require.NoError(t, err, "changing the caller's slice must not change the key")
}
