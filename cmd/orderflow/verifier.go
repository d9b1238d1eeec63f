package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"orderflow/auth"
)

// verifier checks the customers' tokens, for the API and the embedded NATS
// server alike. It is built once per process: with a JWKS URL, each build
// would fetch the keys again.
func (a *app) verifier(ctx context.Context) (*auth.Verifier, error) {
	a.verifierOnce.Do(func() {
		a.verifierV, a.verifierErr = auth.NewVerifier(ctx, auth.Config{
			Issuer:      a.cfg.Auth.Issuer,
			Audience:    a.cfg.Auth.Audience,
			HS256Secret: []byte(a.cfg.Auth.HS256Secret),
			JWKSFile:    a.cfg.Auth.JWKSFile,
			JWKSURL:     a.cfg.Auth.JWKSURL,
			HTTPClient:  &http.Client{Timeout: 10 * time.Second},
		})
		if a.verifierErr != nil {
			a.verifierErr = fmt.Errorf("configuring authentication: %w", a.verifierErr)
		}
	})
	return a.verifierV, a.verifierErr
}
