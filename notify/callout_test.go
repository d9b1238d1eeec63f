package notify

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"
)

// startWithCallout runs nats-server, in this process, with the very
// configuration file docker-compose.yml mounts, and a Callout answering it:
// the compose file's NATS, less Docker.
func startWithCallout(t *testing.T) securedServer {
	t.Helper()
	issuer, err := nkeys.CreateAccount()
	require.NoError(t, err)
	issuerPub, err := issuer.PublicKey()
	require.NoError(t, err)
	// Letters only, as compose-env writes: nats-server parses an
	// environment value like a value in the file.
	t.Setenv("NATS_SERVICE_PASSWORD", "servicepassword")
	t.Setenv("NATS_CALLOUT_PASSWORD", "calloutpassword")
	t.Setenv("NATS_CALLOUT_ISSUER", issuerPub)
	opts, err := server.ProcessConfigFile("../deploy/nats-server.conf")
	require.NoError(t, err)
	// Where compose gives it a container of its own, a test gives it a free
	// port and a folder of its own.
	opts.Host, opts.Port, opts.HTTPHost, opts.HTTPPort = "127.0.0.1", -1, "", 0
	opts.StoreDir, opts.NoSigs = t.TempDir(), true
	s, err := server.NewServer(opts)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second))
	t.Cleanup(s.Shutdown)

	auth, err := nats.Connect(s.ClientURL(), nats.UserInfo("nats-auth", "calloutpassword"))
	require.NoError(t, err)
	t.Cleanup(auth.Close)
	callout := &Callout{Issuer: issuer, Account: "ORDERFLOW", VerifyCustomer: verify}
	_, err = callout.Subscribe(auth)
	require.NoError(t, err)
	require.NoError(t, auth.Flush())
	return securedServer{url: s.ClientURL(), serviceUser: "orderflow", servicePass: "servicepassword"}
}

func TestCalloutAnswers(t *testing.T) {
	issuer, err := nkeys.CreateAccount()
	require.NoError(t, err)
	issuerPub, err := issuer.PublicKey()
	require.NoError(t, err)
	serverKey, err := nkeys.CreateServer()
	require.NoError(t, err)
	callout := &Callout{Issuer: issuer, Account: "ORDERFLOW", VerifyCustomer: verify}

	// ask sends what a server would for a client connecting with token.
	ask := func(t *testing.T, token string) *jwt.AuthorizationResponseClaims {
		t.Helper()
		user, err := nkeys.CreateUser()
		require.NoError(t, err)
		userPub, err := user.PublicKey()
		require.NoError(t, err)
		req := jwt.NewAuthorizationRequestClaims(userPub)
		req.UserNkey = userPub
		req.Server = jwt.ServerID{ID: "server-1"}
		req.ConnectOptions.Token = token
		raw, err := req.Encode(serverKey)
		require.NoError(t, err)
		answer, err := callout.Answer(context.Background(), []byte(raw))
		require.NoError(t, err)
		resp, err := jwt.DecodeAuthorizationResponseClaims(string(answer))
		require.NoError(t, err)
		require.Equal(t, userPub, resp.Subject, "the answer is for the user asked about")
		require.Equal(t, "server-1", resp.Audience, "the answer is for the server that asked")
		require.Equal(t, issuerPub, resp.Issuer, "the answer is signed by the issuer the server trusts")
		return resp
	}

	t.Run("a customer's token gets their permissions in the notification account, until it expires", func(t *testing.T) {
		resp := ask(t, "tok-alice")
		require.Empty(t, resp.Error)
		user, err := jwt.DecodeUserClaims(resp.Jwt)
		require.NoError(t, err)
		require.Equal(t, "ORDERFLOW", user.Audience)
		require.Equal(t, issuerPub, user.Issuer)
		publish, subscribe := customerSubjects("alice")
		require.ElementsMatch(t, publish, []string(user.Pub.Allow))
		require.ElementsMatch(t, subscribe, []string(user.Sub.Allow))
		require.Empty(t, user.Pub.Deny)
		require.InDelta(t, time.Now().Add(time.Hour).Unix(), user.Expires, 5)
	})

	t.Run("a bad token or none is refused", func(t *testing.T) {
		for _, token := range []string{"forged", ""} {
			resp := ask(t, token)
			require.Equal(t, "not authorized", resp.Error)
			require.Empty(t, resp.Jwt)
		}
	})

	t.Run("a request that is not a server's signed request gets no answer", func(t *testing.T) {
		_, err := callout.Answer(context.Background(), []byte("not a jwt"))
		require.Error(t, err)
	})
}
