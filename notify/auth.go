package notify

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Authenticator decides who may connect to the embedded NATS server and what
// they may do. orderflow's services connect with a user and password and may
// do anything; a customer connects with their API token (the same JWT the
// HTTP API takes) and may only read their own notifications through a
// durable JetStream consumer named after them.
type Authenticator struct {
	ServiceUser     string
	ServicePassword string
	// VerifyCustomer checks a customer's token and returns their id and
	// when the token expires (auth.Verifier.Verify, adapted); the
	// connection is closed then.
	VerifyCustomer func(ctx context.Context, token string) (id string, expires time.Time, err error)
}

// Check implements server.Authentication.
func (a *Authenticator) Check(c server.ClientAuthentication) bool {
	o := c.GetOpts()
	switch {
	case o.Username != "" && a.ServiceUser != "":
		userOK := subtle.ConstantTimeCompare([]byte(o.Username), []byte(a.ServiceUser)) == 1
		passOK := subtle.ConstantTimeCompare([]byte(o.Password), []byte(a.ServicePassword)) == 1
		if !userOK || !passOK {
			return false
		}
		c.RegisterUser(&server.User{Username: a.ServiceUser})
		return true
	case o.Token != "" && a.VerifyCustomer != nil:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		id, expires, err := a.VerifyCustomer(ctx, o.Token)
		if err != nil {
			return false
		}
		c.RegisterUser(&server.User{Username: "customer:" + id, Permissions: CustomerPermissions(id), ConnectionDeadline: expires})
		return true
	}
	return false
}

// CustomerPermissions is what a customer may do on NATS: create and read the
// durable consumer named after them, filtered to their own subject, and
// receive replies on their own inbox prefix. They cannot publish
// notifications, subscribe to anyone else's subject or read anyone else's
// consumer.
//
// As a nats-server configuration file says it, for customer "alice":
//
//	permissions: {
//	  publish: { allow: [
//	    "$JS.API.CONSUMER.CREATE.ORDER_NOTIFICATIONS.alice.orders.notifications.alice",
//	    "$JS.API.CONSUMER.INFO.ORDER_NOTIFICATIONS.alice",
//	    "$JS.API.CONSUMER.MSG.NEXT.ORDER_NOTIFICATIONS.alice",
//	    "$JS.ACK.ORDER_NOTIFICATIONS.alice.>" ] }
//	  subscribe: { allow: [ "orders.notifications.alice", "_INBOX_alice.>" ] }
//	}
func CustomerPermissions(customerID string) *server.Permissions {
	publish, subscribe := customerSubjects(customerID)
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: publish},
		Subscribe: &server.SubjectPermission{Allow: subscribe},
	}
}

// customerSubjects are the subjects a customer may publish and subscribe
// to, the one list both the embedded server and the auth callout grant.
func customerSubjects(customerID string) (publish, subscribe []string) {
	publish = []string{
		"$JS.API.CONSUMER.CREATE." + StreamName + "." + customerID + "." + Subject(customerID),
		"$JS.API.CONSUMER.INFO." + StreamName + "." + customerID,
		"$JS.API.CONSUMER.MSG.NEXT." + StreamName + "." + customerID,
		"$JS.ACK." + StreamName + "." + customerID + ".>",
	}
	subscribe = []string{Subject(customerID), InboxPrefix(customerID) + ".>"}
	return publish, subscribe
}

// InboxPrefix is the reply subject prefix a customer's connection must use
// (nats.CustomInboxPrefix), so that no customer can read another's replies.
func InboxPrefix(customerID string) string { return "_INBOX_" + customerID }
