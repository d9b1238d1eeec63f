package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"orderflow/notify"
	"orderflow/order"
)

// natsConfigFile is the file compose's nats service is started with, as
// mounted from this repository.
func natsConfigFile(t *testing.T, svc types.ServiceConfig) string {
	t.Helper()
	i := slices.Index(svc.Command, "--config")
	require.GreaterOrEqual(t, i, 0, "nats runs without its configuration file: no authentication")
	require.Less(t, i+1, len(svc.Command))
	target := svc.Command[i+1]
	for _, v := range svc.Volumes {
		if v.Target == target {
			require.True(t, v.ReadOnly, "%s is mounted writable", target)
			return v.Source
		}
	}
	t.Fatalf("nats's %s is not mounted from the repository", target)
	return ""
}

// natsOptions reads compose's nats configuration with its environment, as
// nats-server does in the container.
func natsOptions(t *testing.T, svc types.ServiceConfig) *server.Options {
	t.Helper()
	for k, v := range svc.Environment {
		require.NotNil(t, v, k)
		t.Setenv(k, *v)
	}
	file := natsConfigFile(t, svc)
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "deploy", "nats-server.conf"), file)
	opts, err := server.ProcessConfigFile(file)
	require.NoError(t, err)
	return opts
}

// TestComposeNATS runs compose's NATS without Docker: nats-server in this
// process with the nats service's file and environment, `orderflow
// nats-auth` with its service's environment, and clients with the
// credentials compose gives the services and the token secret it gives the
// API.
func TestComposeNATS(t *testing.T) {
	p := project(t)
	img := readImage(t, "../../Dockerfile")
	opts := natsOptions(t, p.Services["nats"])

	t.Run("the server admits nobody by default: every user has a password, the rest go to the callout", func(t *testing.T) {
		require.NotNil(t, opts.AuthCallout)
		require.Equal(t, *p.Services["nats"].Environment["NATS_CALLOUT_ISSUER"], opts.AuthCallout.Issuer)
		require.Empty(t, opts.NoAuthUser)
		require.Empty(t, opts.Username)
		require.Empty(t, opts.Authorization)
		require.NotEmpty(t, opts.Users)
		for _, u := range opts.Users {
			require.NotEmpty(t, u.Password, "user %s", u.Username)
		}
		require.Equal(t, "127.0.0.1", opts.HTTPHost, "monitoring is for the container's health check only")
	})

	// Where compose gives it a container, the test gives it a free port
	// and a folder of its own.
	opts.Host, opts.Port, opts.HTTPHost, opts.HTTPPort = "127.0.0.1", -1, "", 0
	opts.StoreDir, opts.NoSigs = t.TempDir(), true
	srv, err := server.NewServer(opts)
	require.NoError(t, err)
	go srv.Start()
	require.True(t, srv.ReadyForConnections(10*time.Second))
	t.Cleanup(srv.Shutdown)
	url := srv.ClientURL()
	runNATSAuthAsComposeDoes(t, containerEnv(img, p.Services["nats-auth"]), url)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svcEnv := containerEnv(img, p.Services["notifications"])

	t.Run("the notifications service logs in with its credentials and publishes", func(t *testing.T) {
		nc, err := nats.Connect(url, nats.UserInfo(svcEnv["NATS_USER"], svcEnv["NATS_PASSWORD"]))
		require.NoError(t, err)
		defer nc.Close()
		pub, err := notify.NewPublisher(ctx, nc, nil)
		require.NoError(t, err)
		require.NoError(t, pub.Notify(ctx, notify.Message{OrderID: "o1", CustomerID: "alice", Status: order.Shipped, Text: "for alice"}))
	})

	t.Run("a customer logs in with a token from the API's secret and watches their own notifications", func(t *testing.T) {
		tok := apiToken(t, containerEnv(img, p.Services["api"]), "alice")
		w := watchConfig{natsConfig: natsConfig{NATSURL: url}, Customer: "alice", Token: secret(tok)}
		var nc *nats.Conn
		// nats-auth may still be subscribing: until then the server refuses.
		require.Eventually(t, func() bool {
			var err error
			nc, err = w.connect()
			return err == nil
		}, 10*time.Second, 100*time.Millisecond)
		defer nc.Close()
		cons, err := w.consumer(ctx, nc)
		require.NoError(t, err)
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		var got []string
		for m := range batch.Messages() {
			got = append(got, string(m.Data()))
		}
		require.Len(t, got, 1)
		require.Contains(t, got[0], "for alice")

		// A refused request gets no answer: do not wait long for it.
		refused, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		bob := watchConfig{natsConfig: natsConfig{NATSURL: url}, Customer: "bob", Token: secret(tok)}
		_, err = bob.consumer(refused, nc)
		require.Error(t, err, "alice's token reads bob's notifications")
	})

	t.Run("anyone else is refused", func(t *testing.T) {
		for name, opt := range map[string]nats.Option{
			"no credentials":                  func(*nats.Options) error { return nil },
			"a token signed with another key": nats.Token(apiToken(t, map[string]string{"AUTH_HS256_SECRET": letters(64)}, "alice")),
			"the service user, guessing":      nats.UserInfo(svcEnv["NATS_USER"], "guess"),
			"nats-auth's user, guessing":      nats.UserInfo("nats-auth", "guess"),
		} {
			nc, err := nats.Connect(url, opt, nats.NoReconnect())
			if err == nil {
				nc.Close()
			}
			require.Error(t, err, name)
		}
	})
}

// runNATSAuthAsComposeDoes runs `orderflow nats-auth` with the environment
// compose gives its container, pointed at url, until the test ends.
func runNATSAuthAsComposeDoes(t *testing.T, env map[string]string, url string) {
	t.Helper()
	env["NATS_URL"] = url
	env["DATA_DIR"] = t.TempDir()
	env["METRICS_ADDR"] = "" // the container's own port; here it could be taken
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"nats-auth"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

// apiToken mints a token for customer as the API in env would accept it.
func apiToken(t *testing.T, env map[string]string, customer string) string {
	t.Helper()
	cfg, err := parseConfig("api", nil, func(k string) string { return env[k] }, os.Stderr)
	require.NoError(t, err)
	tok, err := mintToken(cfg.Auth, customer, false, time.Hour)
	require.NoError(t, err)
	return tok
}
