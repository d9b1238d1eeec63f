package main

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"orderflow/notify"
)

// startNATS runs the embedded NATS server with authentication: the services
// by user and password (NATS_USER/NATS_PASSWORD, or a random password that
// never leaves this process), customers by their API token, each limited to
// their own notifications.
func (a *app) startNATS(ctx context.Context) (*server.Server, error) {
	if a.cfg.NATSUser == "" {
		a.cfg.NATSUser, a.cfg.NATSPass = "orderflow", secret(rand.Text())
	}
	verify, err := a.customerVerifier(ctx)
	if err != nil {
		return nil, err
	}
	return notify.StartServer(notify.ServerConfig{
		Host:     "127.0.0.1",
		Port:     a.cfg.NATSPort,
		StoreDir: a.localDir("nats"),
		Auth: &notify.Authenticator{
			ServiceUser:     a.cfg.NATSUser,
			ServicePassword: string(a.cfg.NATSPass),
			VerifyCustomer:  verify,
		},
	})
}

// customerVerifier checks a customer's API token for NATS, the embedded
// server's or the callout's: who they are and until when.
func (a *app) customerVerifier(ctx context.Context) (func(context.Context, string) (string, time.Time, error), error) {
	verifier, err := a.verifier(ctx)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, token string) (string, time.Time, error) {
		who, until, err := verifier.VerifyUntil(ctx, token)
		return who.CustomerID, until, err
	}, nil
}
