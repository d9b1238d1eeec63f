package benchkit

import (
	"fmt"
	"sync"
	"time"

	"orderflow/auth"
)

// Tokens mints customers' development tokens (HS256) and keeps them, so
// that a benchmark signs each customer's once.
type Tokens struct {
	secret []byte
	mu     sync.Mutex
	byID   map[string]string
}

// NewTokens signs with secret, the services' AUTH_HS256_SECRET.
func NewTokens(secret string) *Tokens {
	return &Tokens{secret: []byte(secret), byID: map[string]string{}}
}

// For returns customer's token, valid for a day: longer than any run.
func (t *Tokens) For(customer string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, ok := t.byID[customer]; ok {
		return tok, nil
	}
	claims := auth.Claims{Issuer: "orderflow", Audience: "orderflow-api", CustomerID: customer}
	tok, err := auth.MintHS256(t.secret, claims, 24*time.Hour, time.Now())
	if err != nil {
		return "", fmt.Errorf("minting a token for %s: %w", customer, err)
	}
	t.byID[customer] = tok
	return tok, nil
}
