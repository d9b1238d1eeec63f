package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

// jwksServer serves a key set over TLS and counts the fetches.
type jwksServer struct {
	srv *httptest.Server

	mu      sync.Mutex
	status  int
	body    []byte
	fetches int
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK, body: body}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fetches++
		w.WriteHeader(s.status)
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) serve(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) fetchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func remoteVerifier(t testing.TB, s *jwksServer, now func() time.Time) *auth.Verifier {
	cfg := baseConfig()
	cfg.JWKSURL = s.srv.URL + "/.well-known/jwks.json"
	cfg.HTTPClient = s.srv.Client()
	cfg.Now = now
	return newVerifier(t, cfg)
}

// urlVerifier trusts testJWKS served over HTTPS.
func urlVerifier(t testing.TB) *auth.Verifier {
	return remoteVerifier(t, newJWKSServer(t, testJWKS(t)), baseConfig().Now)
}

// rotation is a provider that starts with rsa-1 and can add rsa-2.
type rotation struct {
	server *jwksServer
	clock  *fakeClock
	v      *auth.Verifier
	both   []byte
}

func newRotation(t *testing.T) *rotation {
	k := loadTestKeys()
	old := rsaJWK(t, "rsa-1", &k.rsa.PublicKey)
	next := rsaJWK(t, "rsa-2", &k.otherRSA.PublicKey)
	r := &rotation{
		server: newJWKSServer(t, jwksJSON(t, old)),
		clock:  &fakeClock{now: testNow},
		both:   jwksJSON(t, old, next),
	}
	r.v = remoteVerifier(t, r.server, r.clock.Now)
	require.Equal(t, 1, r.server.fetchCount(), "the set is fetched once at start-up")
	return r
}

func (r *rotation) verify(t *testing.T, key *rsa.PrivateKey, kid string) error {
	token := sign(t, jwt.SigningMethodRS256, key, map[string]any{"kid": kid}, claimsAt(r.clock.Now()))
	_, err := r.v.Verify(context.Background(), token)
	return err
}

func TestRemoteJWKSRefetchesForAnUnknownKidAtMostOncePerMinute(t *testing.T) {
	r := newRotation(t)
	k := loadTestKeys()
	r.server.serve(http.StatusOK, r.both)

	r.clock.Advance(10 * time.Second)
	require.ErrorIs(t, r.verify(t, k.otherRSA, "rsa-2"), auth.ErrUnauthenticated, "too soon after start-up to refetch")
	require.Equal(t, 1, r.server.fetchCount())

	r.clock.Advance(time.Minute)
	require.NoError(t, r.verify(t, k.otherRSA, "rsa-2"), "a minute later the new key is fetched")
	require.Equal(t, 2, r.server.fetchCount())

	for range 20 {
		require.ErrorIs(t, r.verify(t, k.rsa, "forged"), auth.ErrUnauthenticated)
	}
	require.Equal(t, 2, r.server.fetchCount(), "a flood of unknown kids fetches nothing more within the minute")

	r.clock.Advance(time.Minute)
	require.ErrorIs(t, r.verify(t, k.rsa, "forged"), auth.ErrUnauthenticated)
	require.Equal(t, 3, r.server.fetchCount())
	require.NoError(t, r.verify(t, k.rsa, "rsa-1"), "known keys never wait for a fetch")
	require.Equal(t, 3, r.server.fetchCount())
}

func TestRemoteJWKSDropsARemovedKeyOnceTheSetIsAnHourOld(t *testing.T) {
	r := newRotation(t)
	k := loadTestKeys()
	r.server.serve(http.StatusOK, jwksJSON(t, rsaJWK(t, "rsa-2", &k.otherRSA.PublicKey)))

	r.clock.Advance(59 * time.Minute)
	require.NoError(t, r.verify(t, k.rsa, "rsa-1"))
	require.Equal(t, 1, r.server.fetchCount())

	r.clock.Advance(2 * time.Minute)
	err := r.verify(t, k.rsa, "rsa-1")
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
	require.Equal(t, 2, r.server.fetchCount())
}

func TestRemoteJWKSKeepsItsKeysWhileTheProviderIsDown(t *testing.T) {
	r := newRotation(t)
	k := loadTestKeys()
	r.server.serve(http.StatusServiceUnavailable, nil)

	r.clock.Advance(2 * time.Hour)
	require.NoError(t, r.verify(t, k.rsa, "rsa-1"), "a stale set beats logging everyone out")

	r.clock.Advance(time.Minute)
	err := r.verify(t, k.otherRSA, "rsa-2")
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
	require.ErrorContains(t, err, "refreshing JWKS", "operators learn why the key is unknown")
	require.Equal(t, 3, r.server.fetchCount())
}

func TestRemoteJWKSMustWorkAtStartUp(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"a 404 fails start-up", http.StatusNotFound, "", "status 404"},
		{"a body that is not JSON fails start-up", http.StatusOK, "<html>", "decoding JWKS"},
		{"a set without usable keys fails start-up", http.StatusOK, `{"keys":[]}`, "no RS256 or ES256 signing key"},
		{"a body over 1 MiB fails start-up", http.StatusOK, strings.Repeat(" ", 1<<20+1), "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newJWKSServer(t, []byte(tc.body))
			s.serve(tc.status, []byte(tc.body))
			cfg := baseConfig()
			cfg.JWKSURL, cfg.HTTPClient = s.srv.URL, s.srv.Client()
			_, err := auth.NewVerifier(context.Background(), cfg)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestJWKSFileIsChecked(t *testing.T) {
	k := loadTestKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p384Point, err := p384.PublicKey.Bytes()
	require.NoError(t, err)
	good := rsaJWK(t, "rsa-1", &k.rsa.PublicKey)
	edit := func(jwk map[string]string, changes map[string]string) map[string]string {
		out := map[string]string{}
		for key, v := range jwk {
			out[key] = v
		}
		for key, v := range changes {
			out[key] = v
		}
		return out
	}
	tests := []struct {
		name string
		jwks []byte
		want string // empty when the set must load
	}{
		{"a set that is not JSON is refused", []byte("{"), "decoding JWKS"},
		{"an empty set is refused", jwksJSON(t), "no RS256 or ES256 signing key"},
		{"a set of encryption keys only is refused", jwksJSON(t, edit(good, map[string]string{"use": "enc"})), "no RS256 or ES256 signing key"},
		{"a set holding a private key is refused", jwksJSON(t, edit(good, map[string]string{"d": "AQAB"})), "private material"},
		{"a key without kid is refused", jwksJSON(t, edit(good, map[string]string{"kid": ""})), "has no kid"},
		{"a kid used twice is refused", jwksJSON(t, good, ecJWK(t, "rsa-1", &k.ec.PublicKey)), "appears twice"},
		{"an RSA key under 2048 bits is refused", jwksJSON(t, rsaJWK(t, "small", &small.PublicKey)), "at least 2048"},
		{"an even RSA exponent is refused", jwksJSON(t, edit(good, map[string]string{"e": "AQAA"})), "RSA exponent"},
		{"a modulus that is not base64url is refused", jwksJSON(t, edit(good, map[string]string{"n": "a+b/"})), "decoding n"},
		{"an EC point off the curve is refused", jwksJSON(t, edit(ecJWK(t, "ec-1", &k.ec.PublicKey), map[string]string{"y": b64(make([]byte, 32))})), "parsing P-256 point"},
		{"a short EC coordinate is refused", jwksJSON(t, edit(ecJWK(t, "ec-1", &k.ec.PublicKey), map[string]string{"x": b64([]byte{1})})), "32 bytes"},
		{"keys for other algorithms are skipped", jwksJSON(t,
			edit(good, map[string]string{"kid": "rs512", "alg": "RS512"}),
			map[string]string{"kty": "EC", "kid": "p384", "crv": "P-384", "x": b64(p384Point[1:49]), "y": b64(p384Point[49:])},
			map[string]string{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "AAAA"},
			map[string]string{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
			good,
		), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.JWKSFile = writeJWKS(t, tc.jwks)
			_, err := auth.NewVerifier(context.Background(), cfg)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSkippedJWKSKeysVerifyNothing(t *testing.T) {
	k := loadTestKeys()
	cfg := baseConfig()
	cfg.JWKSFile = writeJWKS(t, jwksJSON(t,
		rsaJWK(t, "rsa-1", &k.rsa.PublicKey),
		map[string]string{"kty": "oct", "kid": "hmac", "k": b64(k.secret)},
	))
	v := newVerifier(t, cfg)

	token := sign(t, jwt.SigningMethodHS256, k.secret, kid("hmac"), validClaims())
	_, err := v.Verify(context.Background(), token)
	require.ErrorIs(t, err, auth.ErrUnauthenticated, "a symmetric key in a JWKS must never verify")
}
