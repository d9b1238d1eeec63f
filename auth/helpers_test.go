package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

const (
	testIssuer   = "https://id.orderflow.test"
	testAudience = "orderflow-api"
	testCustomer = "customer-42"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testKeys are generated once per test binary: RSA generation is slow under
// -race, and the keys are never mutated.
type testKeys struct {
	secret, otherSecret []byte
	rsa, otherRSA       *rsa.PrivateKey
	ec                  *ecdsa.PrivateKey
}

var loadTestKeys = sync.OnceValue(func() testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	rsa1, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	rsa2, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	return testKeys{
		secret:      []byte("0123456789abcdef0123456789abcdef"),
		otherSecret: []byte("fedcba9876543210fedcba9876543210"),
		rsa:         rsa1,
		otherRSA:    rsa2,
		ec:          ec,
	}
})

// validClaims are claims every test verifier accepts at testNow.
func validClaims() jwt.MapClaims { return claimsAt(testNow) }

// claimsAt are claims valid for five minutes from now.
func claimsAt(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer,
		"aud": testAudience,
		"sub": testCustomer,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
	}
}

// with returns a copy of validClaims with changes applied; a nil value
// deletes the claim.
func with(changes jwt.MapClaims) jwt.MapClaims {
	c := validClaims()
	for k, v := range changes {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// sign makes a compact JWT; header entries override the defaults, and a nil
// value deletes one.
func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func signHS(t testing.TB, claims jwt.MapClaims) string {
	return sign(t, jwt.SigningMethodHS256, loadTestKeys().secret, nil, claims)
}

func signRS(t testing.TB, claims jwt.MapClaims) string {
	return sign(t, jwt.SigningMethodRS256, loadTestKeys().rsa, kid("rsa-1"), claims)
}

func signES(t testing.TB, claims jwt.MapClaims) string {
	return sign(t, jwt.SigningMethodES256, loadTestKeys().ec, kid("ec-1"), claims)
}

func kid(k string) map[string]any { return map[string]any{"kid": k} }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(t testing.TB, kid string, k *rsa.PublicKey) map[string]string {
	t.Helper()
	return map[string]string{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
	}
}

func ecJWK(t testing.TB, kid string, k *ecdsa.PublicKey) map[string]string {
	t.Helper()
	point, err := k.Bytes()
	require.NoError(t, err)
	return map[string]string{
		"kty": "EC", "kid": kid, "crv": "P-256",
		"x": b64(point[1:33]), "y": b64(point[33:]),
	}
}

// testJWKS is the set the JWKS verifiers trust: rsa-1 and ec-1.
func testJWKS(t testing.TB) []byte {
	k := loadTestKeys()
	return jwksJSON(t, rsaJWK(t, "rsa-1", &k.rsa.PublicKey), ecJWK(t, "ec-1", &k.ec.PublicKey))
}

func jwksJSON(t testing.TB, keys ...map[string]string) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(t, err)
	return data
}

func baseConfig() auth.Config {
	return auth.Config{
		Issuer:   testIssuer,
		Audience: testAudience,
		Now:      func() time.Time { return testNow },
	}
}

func newVerifier(t testing.TB, cfg auth.Config) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(context.Background(), cfg)
	require.NoError(t, err)
	return v
}

func hsVerifier(t testing.TB) *auth.Verifier {
	cfg := baseConfig()
	cfg.HS256Secret = loadTestKeys().secret
	return newVerifier(t, cfg)
}

func writeJWKS(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jwks.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func fileVerifier(t testing.TB) *auth.Verifier {
	cfg := baseConfig()
	cfg.JWKSFile = writeJWKS(t, testJWKS(t))
	return newVerifier(t, cfg)
}
