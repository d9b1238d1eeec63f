package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"orderflow/auth"
)

// tokenConfig is what `orderflow token` reads: whom the token is for and
// what it is signed with.
type tokenConfig struct {
	Auth     authConfig
	Customer string
	Admin    bool
	TTL      time.Duration
}

func tokenFlags(c *tokenConfig, getenv func(string) string, output io.Writer) *envFlags {
	f := newEnvFlags("token", getenv, output)
	addSigningFlags(f, &c.Auth)
	f.fs.StringVar(&c.Customer, "customer", "", "customer id (required)")
	f.fs.BoolVar(&c.Admin, "admin", false, "with the admin role")
	f.fs.DurationVar(&c.TTL, "ttl", 24*time.Hour, "token lifetime")
	return f
}

// runToken prints a development token, signed with AUTH_HS256_SECRET.
func runToken(_ context.Context, e env, args []string) error {
	var c tokenConfig
	if err := tokenFlags(&c, e.getenv, e.stderr).parse(args); err != nil {
		return err
	}
	if c.Customer == "" {
		return errors.New("token: --customer is required")
	}
	if c.Auth.HS256Secret == "" {
		return errors.New("token: AUTH_HS256_SECRET is not set (tokens for RS256/ES256 come from your identity provider)")
	}
	tok, err := mintToken(c.Auth, c.Customer, c.Admin, c.TTL)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if _, err := fmt.Fprintln(e.stdout, tok); err != nil {
		return fmt.Errorf("token: printing: %w", err)
	}
	return nil
}

func mintToken(a authConfig, customer string, admin bool, ttl time.Duration) (string, error) {
	claims := auth.Claims{Issuer: a.Issuer, Audience: a.Audience, CustomerID: customer}
	if admin {
		claims.Roles = []string{auth.RoleAdmin}
	}
	return auth.MintHS256([]byte(a.HS256Secret), claims, ttl, time.Now())
}
