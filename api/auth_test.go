package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/order"
	"orderflow/problem"
)

// badCredentials are tokens that look plausible but must not get anyone in,
// with the reason auth gives; "" sends no Authorization header at all.
func badCredentials(t *testing.T) []struct{ name, token, reason string } {
	const badSignature = "token signature is invalid"
	return []struct{ name, token, reason string }{
		{"no token", "", "missing bearer token"},
		{"an expired token", mint(t, testSecret, alice, testNow().Add(-2*time.Hour)), "token has expired"},
		{"a token signed with another key", mint(t, otherSecret, alice, testNow()), badSignature},
		{"an alg none token", algNone(t, tokenFor(t, alice)), badSignature},
		{"a token whose subject was changed after signing", withSubject(t, tokenFor(t, alice), bob), badSignature},
		{"an admin token whose roles were added after signing", withClaim(t, tokenFor(t, alice), "roles", []string{"admin"}), badSignature},
	}
}

func TestEveryOrderRouteRefusesBadCredentials(t *testing.T) {
	routes := []struct {
		method, target, body string
		inQuery              bool // the token in access_token, as EventSource sends it
	}{
		{http.MethodPost, "/orders", "valid", false},
		{http.MethodGet, "/orders/ord_1", "", false},
		{http.MethodGet, "/orders", "", false},
		{http.MethodGet, "/orders?customer_id=bob", "", false},
		{http.MethodPost, "/orders/ord_1/cancel", "", false},
		{http.MethodGet, "/orders/ord_1/events", "", false},
		{http.MethodGet, "/orders/ord_1/events", "", true},
		{http.MethodGet, "/orders/events", "", false},
		{http.MethodGet, "/orders/events", "", true},
	}
	for _, route := range routes {
		for _, cred := range badCredentials(t) {
			name := route.method + " " + route.target + " with " + cred.name
			if route.inQuery {
				name += " in the query"
			}
			t.Run(name+" is refused with 401", func(t *testing.T) {
				f := newFixture(t)
				f.orders.put(stateOf(t, "ord_1", bob, order.Created, testNow()))
				body := route.body
				if body == "valid" {
					body = goodBody(t)
				}
				r := request(route.method, route.target, cred.token, body)
				if route.inQuery && cred.token != "" {
					r = request(route.method, route.target+"?"+accessTokenParam+"="+cred.token, "", body)
				}

				rec := f.serve(r)

				require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
				p := decodeProblem(t, rec)
				require.Equal(t, cred.reason, p.Detail)
				require.Equal(t, problem.Unauthorized, p.Code)
				require.True(t, strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer"))
				require.NotContains(t, rec.Body.String(), "ord_1", "nothing about the order leaks")
				require.Empty(t, f.writer.placedOrders())
				require.Empty(t, f.writer.cancelRequests())
				require.Empty(t, f.orders.listCalls())
			})
		}
	}
}

func TestProbesNeedNoToken(t *testing.T) {
	for _, target := range []string{"/healthz", "/readyz"} {
		t.Run(target+" answers 200 without a token", func(t *testing.T) {
			rec := newFixture(t).serve(request(http.MethodGet, target, "", ""))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
}

func TestCustomersSeeOnlyTheirOwnOrders(t *testing.T) {
	t.Run("reading another customer's order answers exactly like a missing order", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_bobs", bob, order.Created, testNow()))

		theirs := f.serve(request(http.MethodGet, "/orders/ord_bobs", tokenFor(t, alice), ""))
		missing := f.serve(request(http.MethodGet, "/orders/ord_missing", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusNotFound, theirs.Code)
		require.Equal(t, missing.Code, theirs.Code)
		require.Equal(t, missing.Body.String(), theirs.Body.String())
		require.Equal(t, missing.Header(), theirs.Header())
	})
	t.Run("cancelling another customer's order answers like a missing order and writes nothing", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_bobs", bob, order.Created, testNow()))

		theirs := f.serve(request(http.MethodPost, "/orders/ord_bobs/cancel", tokenFor(t, alice), ""))
		missing := f.serve(request(http.MethodPost, "/orders/ord_missing/cancel", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusNotFound, theirs.Code)
		require.Equal(t, missing.Body.String(), theirs.Body.String())
		require.Empty(t, f.writer.cancelRequests())
	})
	t.Run("listing another customer's orders is forbidden", func(t *testing.T) {
		f := newFixture(t)

		rec := f.serve(request(http.MethodGet, "/orders?customer_id=bob", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusForbidden, rec.Code)
		require.Equal(t, problem.Forbidden, decodeProblem(t, rec).Code)
		require.Empty(t, f.orders.listCalls())
	})
	t.Run("placing an order for another customer is forbidden", func(t *testing.T) {
		f := newFixture(t)
		body := bodyWith(t, func(b map[string]any) { b["customer_id"] = bob })

		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), body))

		require.Equal(t, http.StatusForbidden, rec.Code)
		require.Equal(t, problem.Forbidden, decodeProblem(t, rec).Code)
		require.Empty(t, f.writer.placedOrders())
	})
	t.Run("naming oneself as the customer is allowed", func(t *testing.T) {
		f := newFixture(t)
		body := bodyWith(t, func(b map[string]any) { b["customer_id"] = alice })

		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), body))

		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Equal(t, alice, f.writer.placedOrders()[0].Order.CustomerID)
	})
}

func TestAdministratorsSeeEveryOrder(t *testing.T) {
	root := func(t *testing.T) string { return tokenFor(t, admin, "admin") }

	t.Run("an admin reads another customer's order", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_bobs", bob, order.Paid, testNow()))

		rec := f.serve(request(http.MethodGet, "/orders/ord_bobs", root(t), ""))

		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, bob, decodeOrder(t, rec).CustomerID)
	})
	t.Run("an admin without customer_id lists every customer's orders", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_a", alice, order.Created, testNow()), stateOf(t, "ord_b", bob, order.Created, testNow()))

		rec := f.serve(request(http.MethodGet, "/orders", root(t), ""))

		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Len(t, decodeList(t, rec).Orders, 2)
		require.Equal(t, []listCall{{customer: "", limit: defaultPageSize}}, f.orders.listCalls())
	})
	t.Run("an admin lists one customer's orders", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_a", alice, order.Created, testNow()), stateOf(t, "ord_b", bob, order.Created, testNow()))

		rec := f.serve(request(http.MethodGet, "/orders?customer_id=bob", root(t), ""))

		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		list := decodeList(t, rec)
		require.Len(t, list.Orders, 1)
		require.Equal(t, "ord_b", list.Orders[0].ID)
		require.Equal(t, []listCall{{customer: bob, limit: defaultPageSize}}, f.orders.listCalls())
	})
	t.Run("an admin places an order for a customer, who owns it", func(t *testing.T) {
		f := newFixture(t)
		body := bodyWith(t, func(b map[string]any) { b["customer_id"] = bob })

		rec := f.serve(request(http.MethodPost, "/orders", root(t), body))

		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Equal(t, bob, decodeOrder(t, rec).CustomerID)
		require.Equal(t, bob, f.writer.placedOrders()[0].Order.CustomerID)
	})
}

// algNone re-signs token's payload with alg "none" and no signature.
func algNone(t *testing.T, token string) string {
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return header + "." + parts[1] + "."
}

// withSubject changes the sub claim of token and keeps its signature, which
// no longer matches.
func withSubject(t *testing.T, token, sub string) string {
	return withClaim(t, token, "sub", sub)
}

func withClaim(t *testing.T, token, claim string, value any) string {
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	claims[claim] = value
	payload, err = json.Marshal(claims)
	require.NoError(t, err)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}
