package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nkeys"

	"orderflow/notify"
)

// calloutConfig is what `orderflow nats-auth` signs with and where it
// places customers; deploy/nats-server.conf names the same key and account.
type calloutConfig struct {
	Seed    secret
	Account string
}

func addCalloutFlags(f *envFlags, c *calloutConfig) {
	f.Secret(&c.Seed, "nats-callout-seed", "NATS_CALLOUT_SEED", "account nkey `seed` (SA...) nats-auth signs its answers with; the server's auth_callout issuer is its public key")
	f.String(&c.Account, "nats-callout-account", "NATS_CALLOUT_ACCOUNT", "ORDERFLOW", "NATS account nats-auth places customers in: the one with the notification stream")
}

// runNATSAuth answers the authorization callout of a NATS server outside
// orderflow, so that customers log in to it with their API token and read
// only their own notifications, as on the embedded server. The services do
// not need it: they log in with their password.
func runNATSAuth(ctx context.Context, cfg Config, e env) error {
	if cfg.NATSURL == "" {
		return errors.New("nats-auth: NATS_URL is required: it answers the callout of a server outside this process")
	}
	issuer, err := calloutIssuer(cfg.Callout.Seed)
	if err != nil {
		return err
	}
	a, err := newApp(cfg, e.stderr)
	if err != nil {
		return err
	}
	a.logger.Info("starting nats-auth", cfg.logAttrs()...)
	verify, err := a.customerVerifier(ctx)
	if err != nil {
		return err
	}
	nc, err := a.connectNATS(cfg.NATSURL, "orderflow-nats-auth")
	if err != nil {
		return err
	}
	defer nc.Close()
	a.ready.add("nats", natsConnected(nc))
	callout := &notify.Callout{Issuer: issuer, Account: cfg.Callout.Account, VerifyCustomer: verify, Logger: a.logger}
	if _, err := callout.Subscribe(nc); err != nil {
		return err
	}
	pub, _ := issuer.PublicKey() // calloutIssuer has read it already
	a.logger.Info("answering the nats auth callout", "issuer", pub, "account", cfg.Callout.Account)
	if err := a.serveMetrics(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// calloutIssuer reads the account key nats-auth signs with. A user or
// operator seed would sign answers the server refuses, one connection at a
// time: refuse it at the start instead.
func calloutIssuer(seed secret) (nkeys.KeyPair, error) {
	if seed == "" {
		return nil, errors.New("nats-auth: NATS_CALLOUT_SEED is not set")
	}
	kp, err := nkeys.FromSeed([]byte(seed))
	if err != nil {
		return nil, fmt.Errorf("nats-auth: NATS_CALLOUT_SEED: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("nats-auth: NATS_CALLOUT_SEED: %w", err)
	}
	if !nkeys.IsValidPublicAccountKey(pub) {
		return nil, errors.New("nats-auth: NATS_CALLOUT_SEED is not an account seed (SA...)")
	}
	return kp, nil
}
