package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"orderflow/order"
)

// tokens stands in for the API's token verifier: a token "tok-<id>" is
// customer <id>.
func verify(_ context.Context, token string) (string, time.Time, error) {
	if id, ok := strings.CutPrefix(token, "tok-"); ok {
		return id, time.Now().Add(time.Hour), nil
	}
	if id, ok := strings.CutPrefix(token, "short-"); ok {
		return id, time.Now().Add(time.Second), nil
	}
	return "", time.Time{}, errors.New("bad token")
}

// securedServer is a NATS server that admits the services by password and
// customers by their token: the embedded one, or a nats-server configured
// for the callout.
type securedServer struct {
	url                      string
	serviceUser, servicePass string
}

func startEmbedded(t *testing.T) securedServer {
	t.Helper()
	s, err := StartServer(ServerConfig{Host: "127.0.0.1", Port: -1, StoreDir: t.TempDir(),
		Auth: &Authenticator{ServiceUser: "orderflow", ServicePassword: "s3cret", VerifyCustomer: verify}})
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)
	return securedServer{url: s.ClientURL(), serviceUser: "orderflow", servicePass: "s3cret"}
}

func customerConn(t *testing.T, url, id string, errs chan<- error) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.Token("tok-"+id), nats.CustomInboxPrefix(InboxPrefix(id)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// TestNATSPermissions holds the embedded server and the compose file's
// nats-server to the same rules: whatever a customer may or may not do on
// one, they may or may not do on the other.
func TestNATSPermissions(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(*testing.T) securedServer
	}{
		{"the embedded server", startEmbedded},
		{"nats-server with deploy/nats-server.conf and the callout", startWithCallout},
	} {
		t.Run(tt.name, func(t *testing.T) { testPermissions(t, tt.start(t)) })
	}
}

func testPermissions(t *testing.T, srv securedServer) {
	url := srv.url
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	svc, err := nats.Connect(url, nats.UserInfo(srv.serviceUser, srv.servicePass))
	require.NoError(t, err)
	defer svc.Close()
	pub, err := NewPublisher(ctx, svc, nil)
	require.NoError(t, err)
	for _, m := range []Message{
		{OrderID: "o1", CustomerID: "alice", Status: order.Shipped, Text: "for alice"},
		{OrderID: "o2", CustomerID: "bob", Status: order.Shipped, Text: "for bob"},
	} {
		require.NoError(t, pub.Notify(ctx, m))
	}

	t.Run("a wrong service password or customer token cannot connect", func(t *testing.T) {
		_, err := nats.Connect(url, nats.UserInfo(srv.serviceUser, "guess"))
		require.Error(t, err)
		_, err = nats.Connect(url, nats.Token("forged"))
		require.Error(t, err)
		_, err = nats.Connect(url)
		require.Error(t, err)
	})

	t.Run("a customer reads their own notifications through their durable consumer", func(t *testing.T) {
		errs := make(chan error, 10)
		nc := customerConn(t, url, "alice", errs)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		cons, err := js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
			Durable: "alice", FilterSubject: Subject("alice"), AckPolicy: jetstream.AckExplicitPolicy,
		})
		require.NoError(t, err)
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(2*time.Second))
		require.NoError(t, err)
		var got []Message
		for m := range batch.Messages() {
			var msg Message
			require.NoError(t, json.Unmarshal(m.Data(), &msg))
			got = append(got, msg)
			require.NoError(t, m.Ack())
		}
		require.Len(t, got, 1)
		require.Equal(t, "for alice", got[0].Text)
	})

	t.Run("a customer cannot read another customer's notifications", func(t *testing.T) {
		errs := make(chan error, 10)
		nc := customerConn(t, url, "alice", errs)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		// A denied request gets no answer; do not wait long for it.
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err = js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
			Durable: "bob", FilterSubject: Subject("bob"), AckPolicy: jetstream.AckExplicitPolicy,
		})
		require.Error(t, err, "creating bob's consumer as alice")
		_, err = js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
			Durable: "alice", FilterSubject: SubjectPrefix + ">", AckPolicy: jetstream.AckExplicitPolicy,
		})
		require.Error(t, err, "widening alice's consumer to everyone")
		// A connection of its own, so that the refusals above cannot pass
		// for this one.
		errs = make(chan error, 10)
		nc = customerConn(t, url, "alice", errs)
		_, err = nc.SubscribeSync(Subject("bob"))
		require.NoError(t, err) // refused asynchronously
		require.NoError(t, nc.Flush())
		select {
		case err := <-errs:
			require.ErrorContains(t, err, `Permissions Violation for Subscription to "`+Subject("bob")+`"`)
		case <-time.After(5 * time.Second):
			t.Fatal("subscribing to bob's subject was not refused")
		}
	})

	t.Run("a customer's connection ends when the token expires", func(t *testing.T) {
		closed := make(chan struct{})
		nc, err := nats.Connect(url, nats.Token("short-alice"), nats.NoReconnect(),
			nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
		require.NoError(t, err)
		defer nc.Close()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("the connection outlived its token")
		}
	})

	t.Run("a customer cannot publish notifications", func(t *testing.T) {
		errs := make(chan error, 10)
		nc := customerConn(t, url, "alice", errs)
		require.NoError(t, nc.Publish(Subject("alice"), []byte("forged")))
		require.NoError(t, nc.Flush())
		select {
		case err := <-errs:
			require.ErrorContains(t, err, `Permissions Violation for Publish to "`+Subject("alice")+`"`)
		case <-time.After(5 * time.Second):
			t.Fatal("publishing as a customer was not refused")
		}
	})
}
