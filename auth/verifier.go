package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLen bounds the tokens we parse; ours are well under 1 KiB, and
// parsing is work an anonymous client can make us do.
const MaxTokenLen = 8 << 10

// Verifier checks bearer tokens against a Config. It is safe for concurrent
// use.
type Verifier struct {
	parser *jwt.Parser
	keys   keySource
}

// NewVerifier checks cfg and loads its keys; for a JWKS URL it fetches the
// set once, bounded by ctx.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("validating auth config: %w", err)
	}
	keys, err := cfg.keySource(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading auth keys: %w", err)
	}
	parser := jwt.NewParser(
		// The allow-list comes from the key source, never from the token.
		jwt.WithValidMethods(keys.algorithms()),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		// Refuses base64 with stray bits, so one signature has one spelling.
		jwt.WithStrictDecoding(),
	)
	return &Verifier{parser: parser, keys: keys}, nil
}

// tokenClaims is what we read from a token's payload.
type tokenClaims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles,omitempty"`
}

// Verify checks raw, a compact JWT, and returns who it identifies. Every
// error wraps ErrUnauthenticated and is an *Error whose Reason can be shown
// to the client. ctx bounds a JWKS refresh the token may cause.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	id, _, err := v.VerifyUntil(ctx, raw)
	return id, err
}

// VerifyUntil is Verify that also says when the token expires, for a
// long-lived connection (NATS) that must end with its token.
func (v *Verifier) VerifyUntil(ctx context.Context, raw string) (Identity, time.Time, error) {
	if len(raw) > MaxTokenLen {
		return Identity{}, time.Time{}, unauthenticated(reasonTooLarge, fmt.Errorf("token has %d bytes", len(raw)))
	}
	var claims tokenClaims
	keyFunc := func(t *jwt.Token) (any, error) { return v.keyFor(ctx, t) }
	if _, err := v.parser.ParseWithClaims(raw, &claims, keyFunc); err != nil {
		return Identity{}, time.Time{}, classify(err)
	}
	id, err := newIdentity(claims.Subject, claims.Roles)
	if err != nil {
		return Identity{}, time.Time{}, unauthenticated(reasonCustomerID, err)
	}
	// The parser requires exp, so ExpiresAt is set.
	return id, claims.ExpiresAt.Time, nil
}

// keyFor checks the header, then finds the key. The header is checked first
// so that a token we would refuse anyway cannot cause a JWKS fetch.
func (v *Verifier) keyFor(ctx context.Context, t *jwt.Token) (any, error) {
	if err := checkHeader(t.Header); err != nil {
		return nil, err
	}
	kid, _ := t.Header["kid"].(string)
	return v.keys.key(ctx, t.Method.Alg(), kid)
}

func checkHeader(h map[string]any) error {
	if typ, ok := h["typ"]; ok {
		s, _ := typ.(string)
		if !acceptedType(s) {
			return unauthenticated(reasonType, fmt.Errorf("typ %q is neither JWT nor at+jwt", s))
		}
	}
	// RFC 7515, section 4.1.11: extensions marked critical must be
	// understood, and we understand none.
	if _, ok := h["crit"]; ok {
		return unauthenticated(reasonCritical, errors.New("token has a crit header"))
	}
	if kid, ok := h["kid"]; ok {
		if _, isString := kid.(string); !isString {
			return unauthenticated(reasonMalformed, errors.New("kid is not a string"))
		}
	}
	return nil
}

// acceptedType reports whether typ names a JWT or an OAuth access token
// (RFC 9068). Media types are case-insensitive and may drop "application/"
// (RFC 7515, section 4.1.9).
func acceptedType(typ string) bool {
	typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
	return typ == "jwt" || typ == "at+jwt"
}
