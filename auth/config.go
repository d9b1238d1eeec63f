package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Config says which tokens a Verifier accepts. It is built in cmd/ from
// flags; the package reads no environment.
//
// Exactly one key source must be set: HS256Secret, JWKSFile or JWKSURL.
type Config struct {
	// Issuer and Audience must equal the token's iss and one of its aud.
	Issuer   string
	Audience string

	// HS256Secret enables HS256 with a shared secret of at least 32 bytes.
	// Meant for development, with tokens from MintHS256. An empty secret
	// counts as unset.
	HS256Secret []byte
	// JWKSFile is the path of a JSON Web Key Set holding RS256 and ES256
	// public keys; a token's kid selects the key.
	JWKSFile string
	// JWKSURL is an https URL serving a JSON Web Key Set, fetched with
	// HTTPClient, which is then required.
	JWKSURL    string
	HTTPClient *http.Client

	// Leeway is the clock skew tolerated on exp, nbf and iat: 30s when zero,
	// at most MaxLeeway.
	Leeway time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

const (
	// DefaultLeeway is the clock skew tolerated when Config.Leeway is zero.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway bounds Config.Leeway: a larger skew is a broken clock, and
	// tolerating it would stretch every token's lifetime.
	MaxLeeway = 5 * time.Minute
	// MinHS256SecretLen is the shortest secret accepted: HS256 needs as many
	// bytes as the hash output (RFC 7518, section 3.2).
	MinHS256SecretLen = 32
)

// withDefaults returns cfg with zero values replaced by defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// validate reports the first problem with cfg, which must have its defaults.
func (cfg Config) validate() error {
	if cfg.Issuer == "" {
		return errors.New("issuer is required")
	}
	if cfg.Audience == "" {
		return errors.New("audience is required")
	}
	if cfg.Leeway < 0 || cfg.Leeway > MaxLeeway {
		return fmt.Errorf("leeway %s is outside [0, %s]", cfg.Leeway, MaxLeeway)
	}
	sources := 0
	for _, set := range []bool{len(cfg.HS256Secret) > 0, cfg.JWKSFile != "", cfg.JWKSURL != ""} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return fmt.Errorf("exactly one of HS256 secret, JWKS file and JWKS URL is required, got %d", sources)
	}
	if len(cfg.HS256Secret) > 0 && len(cfg.HS256Secret) < MinHS256SecretLen {
		return fmt.Errorf("HS256 secret has %d bytes, at least %d are required", len(cfg.HS256Secret), MinHS256SecretLen)
	}
	if cfg.JWKSURL != "" {
		return validateJWKSURL(cfg.JWKSURL, cfg.HTTPClient)
	}
	return nil
}

func validateJWKSURL(raw string, client *http.Client) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parsing JWKS URL: %w", err)
	}
	// Keys fetched in clear text could be swapped by anyone on the path.
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("JWKS URL %q must be an absolute https URL", raw)
	}
	if client == nil {
		return errors.New("JWKS URL needs an HTTP client")
	}
	return nil
}

// keySource builds the keys cfg names; ctx bounds the first JWKS fetch.
func (cfg Config) keySource(ctx context.Context) (keySource, error) {
	switch {
	case len(cfg.HS256Secret) > 0:
		return newSecretKey(cfg.HS256Secret), nil
	case cfg.JWKSFile != "":
		return loadJWKSFile(cfg.JWKSFile)
	default:
		return newRemoteJWKS(ctx, cfg.JWKSURL, cfg.HTTPClient, cfg.Now)
	}
}
