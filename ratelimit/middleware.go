package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"orderflow/problem"
)

// Middleware limits requests by the key that key returns for them, and
// answers requests over the limit with 429, Retry-After and a problem
// details body (RFC 9457). Its result fits chi's Router.Use.
func (l *Limiter) Middleware(key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ok, retryAfter := l.Allow(key(r)); !ok {
				writeTooManyRequests(w, retryAfter)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func writeTooManyRequests(w http.ResponseWriter, retryAfter time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(retryAfter), 10))
	problem.Write(w, problem.New(http.StatusTooManyRequests, problem.RateLimited, "too many requests"))
}

// retryAfterSeconds rounds up, and never says 0: a client told to retry at
// once would come back before a token has.
func retryAfterSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// ClientAddr keys a request by its client's address: r.RemoteAddr without
// the port. orderflow does not trust forwarding headers (any client can send
// them), so behind a load balancer every client shares the balancer's
// address; deployments there rewrite RemoteAddr from their trusted proxy
// first, or raise RATE_LIMIT and rely on the per-customer limit. IPv6 clients are keyed by their /64, since one host usually holds
// the whole prefix and could otherwise rotate past the limit.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr // already without port
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}
