package auth

import (
	"context"
	"slices"

	"orderflow/order"
)

// Identity is who made a request, as established by a verified token.
type Identity struct {
	// CustomerID is the token's sub claim.
	CustomerID string
	// Admin is true when the token's roles claim contains "admin".
	Admin bool
}

// RoleAdmin is the role that grants administrative access.
const RoleAdmin = "admin"

// MaxCustomerIDLen bounds the customer id, which ends up in keys, logs and
// URLs further down.
const MaxCustomerIDLen = 64

type identityKey struct{}

// WithIdentity returns a copy of ctx carrying id. The middleware uses it on
// success; tests of other packages use it to fake an authenticated request.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the Identity stored by the middleware, if any.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

func newIdentity(sub string, roles []string) (Identity, error) {
	if err := ValidateCustomerID(sub); err != nil {
		return Identity{}, err
	}
	return Identity{CustomerID: sub, Admin: slices.Contains(roles, RoleAdmin)}, nil
}

// ValidateCustomerID reports whether id can be a customer id: 1 to 64
// characters from [A-Za-z0-9_@-]. The set is narrow so that ids are safe in
// Kafka keys, NATS subjects, log lines and URL paths without escaping.
func ValidateCustomerID(id string) error {
	// One rule for customer ids everywhere: they become NATS subject tokens
	// and Kafka record fields, so the order package owns it.
	return order.CheckID("customer_id", id)
}
