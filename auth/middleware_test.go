package auth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

// echoCustomer answers with the customer id the middleware stored, and fails
// the request if there is none.
func echoCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := auth.FromContext(r.Context())
	if !ok {
		http.Error(w, "no identity", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write([]byte(id.CustomerID))
}

// serve sends a request with the given Authorization headers through the
// middleware.
func serve(t testing.TB, v *auth.Verifier, authorization ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/orders", nil)
	for _, a := range authorization {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	v.Middleware(http.HandlerFunc(echoCustomer)).ServeHTTP(rec, req)
	return rec
}

func requireUnauthorized(t testing.TB, rec *httptest.ResponseRecorder, reason string) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.Equal(t, `Bearer error="invalid_token", error_description="`+reason+`"`, rec.Header().Get("WWW-Authenticate"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, map[string]any{"type": "about:blank", "title": "Unauthorized", "status": 401.0, "detail": reason, "code": "unauthorized"}, body)
}

func TestMiddlewareRefusesBadHeaders(t *testing.T) {
	v := hsVerifier(t)
	good := signHS(t, validClaims())
	tests := []struct {
		name          string
		authorization []string
		reason        string
	}{
		{"a Basic credential is refused", []string{"Basic dXNlcjpwYXNz"}, "authorization header must be Bearer followed by a token"},
		{"a bare token without scheme is refused", []string{good}, "authorization header must be Bearer followed by a token"},
		{"the scheme alone is refused", []string{"Bearer"}, "authorization header must be Bearer followed by a token"},
		{"the scheme and a space are refused", []string{"Bearer "}, "authorization header must be Bearer followed by a token"},
		{"a token with a space inside is refused", []string{"Bearer " + good + " extra"}, "authorization header must be Bearer followed by a token"},
		{"an empty header is refused", []string{""}, "authorization header must be Bearer followed by a token"},
		{"two headers are refused even if both are good", []string{"Bearer " + good, "Bearer " + good}, "more than one authorization header"},
		{"a header over 8 KiB is refused before parsing", []string{"Bearer " + strings.Repeat("a", 9<<10)}, "token is too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireUnauthorized(t, serve(t, v, tc.authorization...), tc.reason)
		})
	}
}

func TestMiddlewareWithoutTokenSendsBareChallenge(t *testing.T) {
	rec := serve(t, hsVerifier(t))

	require.Equal(t, http.StatusUnauthorized, rec.Code)
	// RFC 6750, section 3.1: no error code when no credentials were sent.
	require.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))
	require.JSONEq(t, `{"type":"about:blank","title":"Unauthorized","status":401,`+
		`"detail":"missing bearer token","code":"unauthorized"}`, rec.Body.String())
}

func TestMiddlewareAcceptsSchemeInAnyCase(t *testing.T) {
	v := hsVerifier(t)
	good := signHS(t, validClaims())
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		t.Run(scheme+" is accepted", func(t *testing.T) {
			rec := serve(t, v, scheme+" "+good)
			require.Equal(t, http.StatusOK, rec.Code)
			require.Equal(t, testCustomer, rec.Body.String())
		})
	}
}

func TestMiddlewareNeverEchoesTheToken(t *testing.T) {
	v := hsVerifier(t)
	token := tamper(t, signHS(t, validClaims()), func(c jwt.MapClaims) { c["sub"] = "x" })

	rec := serve(t, v, "Bearer "+token)

	require.Equal(t, http.StatusUnauthorized, rec.Code)
	for _, part := range strings.Split(token, ".") {
		require.NotContains(t, rec.Body.String(), part)
		require.NotContains(t, rec.Header().Get("WWW-Authenticate"), part)
	}
}

func TestIdentityRoundTripsThroughContext(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	_, ok := auth.FromContext(req.Context())
	require.False(t, ok, "a fresh context carries no identity")

	want := auth.Identity{CustomerID: "c-1", Admin: true}
	got, ok := auth.FromContext(auth.WithIdentity(req.Context(), want))
	require.True(t, ok)
	require.Equal(t, want, got)
}
