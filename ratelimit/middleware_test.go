package ratelimit_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/ratelimit"
)

func byHeader(r *http.Request) string { return r.Header.Get("X-Customer") }

func send(h http.Handler, customer string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/orders", nil)
	req.Header.Set("X-Customer", customer)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMiddlewareAnswers429WithRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		rate       float64
		retryAfter string
	}{
		{"a wait under a second is rounded up to one", 10, "1"},
		{"a wait of exactly two seconds says two", 0.5, "2"},
		{"a wait of 2.5 seconds is rounded up to three", 0.4, "3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(t, tc.rate, 1, 0, newFakeClock())
			h := l.Middleware(byHeader)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusCreated)
			}))

			require.Equal(t, http.StatusCreated, send(h, "c-1").Code)
			rec := send(h, "c-1")

			require.Equal(t, http.StatusTooManyRequests, rec.Code)
			require.Equal(t, tc.retryAfter, rec.Header().Get("Retry-After"))
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			require.JSONEq(t, `{"type":"about:blank","title":"Too Many Requests","status":429,`+
				`"detail":"too many requests","code":"rate_limited"}`, rec.Body.String())
			require.Equal(t, http.StatusCreated, send(h, "c-2").Code, "another key is not limited")
		})
	}
}

func TestMiddlewareLetsRequestsThroughAfterTheWait(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(t, 1, 1, 0, clock)
	h := l.Middleware(byHeader)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	send(h, "c-1")
	require.Equal(t, http.StatusTooManyRequests, send(h, "c-1").Code)

	clock.Advance(time.Second)

	require.Equal(t, http.StatusOK, send(h, "c-1").Code)
}

func TestClientAddr(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		want       string
	}{
		{"an IPv4 address loses its port", "203.0.113.7:52100", "203.0.113.7"},
		{"an address without port, as RealIP leaves it, is kept", "203.0.113.7", "203.0.113.7"},
		{"an IPv4-mapped IPv6 address is keyed as IPv4", "[::ffff:203.0.113.7]:443", "203.0.113.7"},
		{"an IPv6 address is keyed by its /64", "[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"two hosts in one /64 share a key", "[2001:db8:1:2:ffff::1]:80", "2001:db8:1:2::/64"},
		{"something that is not an address is kept as is", "unix-socket", "unix-socket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tc.remoteAddr
			require.Equal(t, tc.want, ratelimit.ClientAddr(req))
		})
	}
}
