package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// CalloutSubject is where a nats-server with auth_callout asks who may
// connect (server.AuthCalloutSubject, without importing the server).
const CalloutSubject = "$SYS.REQ.USER.AUTH"

// Callout answers the authorization callout of a nats-server that runs
// outside orderflow (docker-compose.yml's, configured by
// deploy/nats-server.conf). A plain server configuration cannot check our
// API tokens, so the server asks this: a customer who connects with their
// token gets exactly what the embedded server's Authenticator gives them,
// CustomerPermissions, until the token expires. The services never reach
// it: the server admits them by password and names them in auth_users.
type Callout struct {
	// Issuer signs every answer: the account key whose public half the
	// server's auth_callout names as its issuer.
	Issuer nkeys.KeyPair
	// Account is the server account customers are placed in: the one that
	// holds the notification stream.
	Account string
	// VerifyCustomer checks a customer's token and returns their id and
	// when the token expires, as for Authenticator.
	VerifyCustomer func(ctx context.Context, token string) (id string, expires time.Time, err error)
	Logger         *slog.Logger // nil: no log
}

func (c *Callout) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// errNoToken is a connection with neither a service's password nor a
// customer's token: anonymous access, which there is none of.
var errNoToken = errors.New("no token: customers connect with their API token")

// Subscribe answers the server's requests on nc until the subscription or
// the connection ends. Instances share the requests as a queue group, so
// any number may run.
func (c *Callout) Subscribe(nc *nats.Conn) (*nats.Subscription, error) {
	sub, err := nc.QueueSubscribe(CalloutSubject, "orderflow-nats-auth", c.respond)
	if err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", CalloutSubject, err)
	}
	return sub, nil
}

// respond answers one request. A request it cannot answer is left to the
// server's timeout, which refuses the connection.
func (c *Callout) respond(m *nats.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := c.Answer(ctx, m.Data)
	if err == nil {
		err = m.Respond(answer)
	}
	if err != nil {
		c.logger().Warn("nats authorization request not answered", "error", err)
	}
}

// Answer decides one authorization request and returns the server's
// answer, signed by Issuer: the customer's permissions, or a refusal.
func (c *Callout) Answer(ctx context.Context, request []byte) ([]byte, error) {
	req, err := jwt.DecodeAuthorizationRequestClaims(string(request))
	if err != nil {
		return nil, fmt.Errorf("decoding authorization request: %w", err)
	}
	resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
	resp.Audience = req.Server.ID
	user, err := c.admit(ctx, req)
	if err != nil {
		// The reason stays in our log: the client learns only that it was
		// refused, as from the embedded server.
		c.logger().Info("nats connection refused", "error", err, "client_host", req.ClientInformation.Host)
		resp.Error = "not authorized"
	}
	resp.Jwt = user
	signed, err := resp.Encode(c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("signing authorization response: %w", err)
	}
	return []byte(signed), nil
}

// admit returns the signed user of a customer whose token holds: placed in
// Account, with CustomerPermissions, until the token expires.
func (c *Callout) admit(ctx context.Context, req *jwt.AuthorizationRequestClaims) (string, error) {
	token := req.ConnectOptions.Token
	if token == "" {
		return "", errNoToken
	}
	id, expires, err := c.VerifyCustomer(ctx, token)
	if err != nil {
		return "", fmt.Errorf("verifying a customer's token: %w", err)
	}
	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Name = "customer:" + id
	uc.Audience = c.Account
	if !expires.IsZero() {
		uc.Expires = expires.Unix()
	}
	publish, subscribe := customerSubjects(id)
	uc.Pub.Allow.Add(publish...)
	uc.Sub.Allow.Add(subscribe...)
	signed, err := uc.Encode(c.Issuer)
	if err != nil {
		return "", fmt.Errorf("signing the user of customer %s: %w", id, err)
	}
	return signed, nil
}
