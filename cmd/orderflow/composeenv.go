package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nkeys"
)

// composeEnvConfig is what `orderflow compose-env` reads: where to write.
type composeEnvConfig struct {
	Out string
}

// runComposeEnv writes fresh secrets for docker-compose.yml, which has no
// defaults for them: to stdout, or to a new file that only its owner can
// read. It never overwrites a file: secrets already in use would stop
// matching the data of the volumes (Grafana's password, for one).
func runComposeEnv(_ context.Context, e env, args []string) (err error) {
	var c composeEnvConfig
	f := newEnvFlags("compose-env", e.getenv, e.stderr)
	f.fs.StringVar(&c.Out, "o", "", "write to this `file`, which must not exist yet (mode 0600); default stdout")
	if err := f.parse(args); err != nil {
		return err
	}
	vars, err := composeSecrets()
	if err != nil {
		return err
	}
	w := e.stdout
	if c.Out != "" {
		file, err := os.OpenFile(c.Out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("compose-env: %w (an existing file is kept; delete it for new secrets)", err)
		}
		defer closeInto(&err, file, c.Out)
		w = file
	}
	return writeComposeEnv(w, vars)
}

// composeSecretNames are the variables docker-compose.yml requires, in the
// order .env lists them.
var composeSecretNames = []string{
	"AUTH_HS256_SECRET", "NATS_SERVICE_PASSWORD", "NATS_CALLOUT_PASSWORD",
	"NATS_CALLOUT_SEED", "NATS_CALLOUT_ISSUER", "GRAFANA_ADMIN_PASSWORD",
}

// composeSecrets makes a fresh value for each of composeSecretNames.
func composeSecrets() (map[string]string, error) {
	issuer, err := nkeys.CreateAccount()
	if err != nil {
		return nil, fmt.Errorf("compose-env: making the callout key: %w", err)
	}
	seed, err := issuer.Seed()
	if err != nil {
		return nil, fmt.Errorf("compose-env: making the callout key: %w", err)
	}
	pub, err := issuer.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("compose-env: making the callout key: %w", err)
	}
	return map[string]string{
		"AUTH_HS256_SECRET":      letters(64),
		"NATS_SERVICE_PASSWORD":  letters(40),
		"NATS_CALLOUT_PASSWORD":  letters(40),
		"NATS_CALLOUT_SEED":      string(seed),
		"NATS_CALLOUT_ISSUER":    pub,
		"GRAFANA_ADMIN_PASSWORD": letters(32),
	}, nil
}

func writeComposeEnv(w io.Writer, vars map[string]string) error {
	var b strings.Builder
	b.WriteString("# Secrets for docker-compose.yml, made by `orderflow compose-env`. Keep this file to\n" +
		"# yourself (it is git-ignored): it signs API tokens and logs in to NATS and Grafana.\n")
	for _, k := range composeSecretNames {
		v, ok := vars[k]
		if !ok {
			return fmt.Errorf("compose-env: no value for %s", k)
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("compose-env: writing: %w", err)
	}
	return nil
}

// letters is n random ASCII letters, 5.7 bits each. Letters only, because
// nats-server reads an environment value as it reads its configuration: a
// value that starts with a digit could read as a number or a size.
func letters(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// Bytes below 208 (4 x 52) map onto the alphabet evenly; the rest are
	// drawn again.
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails
		for _, c := range buf {
			if int(c) < 4*len(alphabet) && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}
