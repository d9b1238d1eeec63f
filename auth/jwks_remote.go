package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// jwksMinRefresh bounds how often tokens naming unknown keys can make us
	// fetch the set: they are free for anyone to forge.
	jwksMinRefresh = time.Minute
	// jwksMaxAge is how long a set is trusted before we look for removed
	// keys.
	jwksMaxAge = time.Hour
	// jwksFetchTimeout bounds a fetch started by a request.
	jwksFetchTimeout = 10 * time.Second
	// jwksMaxBytes bounds the body we read; real sets are a few KiB.
	jwksMaxBytes = 1 << 20
)

// remoteJWKS is a JSON Web Key Set served over HTTPS and cached in memory.
type remoteJWKS struct {
	url    string
	client *http.Client
	now    func() time.Time

	// cache is read without locking on every request.
	cache atomic.Pointer[fetchedKeys]

	mu          sync.Mutex // serialises refreshes
	lastAttempt time.Time  // guarded by mu
}

type fetchedKeys struct {
	keys keySet
	at   time.Time
}

// serves reports whether the set can answer for kid without a refresh.
func (f *fetchedKeys) serves(kid string, now time.Time) bool {
	_, ok := f.keys[kid]
	return ok && now.Sub(f.at) < jwksMaxAge
}

// newRemoteJWKS fetches the set once, so that a wrong URL fails start-up
// rather than every request.
func newRemoteJWKS(ctx context.Context, url string, client *http.Client, now func() time.Time) (*remoteJWKS, error) {
	r := &remoteJWKS{url: url, client: client, now: now}
	keys, err := r.fetch(ctx)
	if err != nil {
		return nil, err
	}
	r.lastAttempt = now()
	r.cache.Store(&fetchedKeys{keys: keys, at: r.lastAttempt})
	return r, nil
}

func (r *remoteJWKS) algorithms() []string { return jwksAlgorithms }

func (r *remoteJWKS) key(ctx context.Context, alg, kid string) (any, error) {
	keys, refreshErr := r.keys(ctx, kid)
	k, err := keys.key(ctx, alg, kid)
	var ae *Error
	if refreshErr != nil && errors.As(err, &ae) {
		ae.Err = errors.Join(ae.Err, refreshErr)
	}
	return k, err
}

// keys returns the cached set, refreshing it first when it lacks kid or is
// old, unless a refresh was tried less than jwksMinRefresh ago. A failed
// refresh keeps the old set: an outage at the identity provider should not
// log every customer out. The error is returned for the caller to report.
func (r *remoteJWKS) keys(ctx context.Context, kid string) (keySet, error) {
	if c := r.cache.Load(); c.serves(kid, r.now()) {
		return c.keys, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	c := r.cache.Load()
	if c.serves(kid, now) || now.Sub(r.lastAttempt) < jwksMinRefresh {
		return c.keys, nil
	}
	r.lastAttempt = now
	// The fetch serves every request waiting on the lock, so the client
	// that started it hanging up must not abort it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksFetchTimeout)
	defer cancel()
	keys, err := r.fetch(ctx)
	if err != nil {
		return c.keys, fmt.Errorf("refreshing JWKS: %w", err)
	}
	r.cache.Store(&fetchedKeys{keys: keys, at: now})
	return keys, nil
}

func (r *remoteJWKS) fetch(ctx context.Context) (keySet, error) {
	// r.url is the operator's configured JWKS URL; no part of it comes from a
	// request, so gosec's SSRF taint (G704) is a false positive here.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil) //nolint:gosec // G704: see above
	if err != nil {
		return nil, fmt.Errorf("building JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req) //nolint:gosec // G704: see above
	if err != nil {
		return nil, fmt.Errorf("fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching JWKS from %s: status %s", r.url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading JWKS from %s: %w", r.url, err)
	}
	if len(data) > jwksMaxBytes {
		return nil, fmt.Errorf("JWKS from %s is larger than %d bytes", r.url, jwksMaxBytes)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("parsing JWKS from %s: %w", r.url, err)
	}
	return keys, nil
}
