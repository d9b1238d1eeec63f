package events

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/order"
)

func TestIndexHeadersRoundTrip(t *testing.T) {
	created := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	h := IndexHeaders(order.Order{ID: "ord_1", CustomerID: "alice", CreatedAt: created})
	customer, at, ok := FromIndexHeaders(h)
	require.True(t, ok)
	require.Equal(t, "alice", customer)
	require.True(t, created.Equal(at))

	require.Nil(t, IndexHeaders(order.Order{ID: "ord_1"}), "an order not known yet has none")
	for name, bad := range map[string]map[string][]byte{
		"none":              nil,
		"no time":           {HeaderCustomer: []byte("alice")},
		"no customer":       {HeaderCreated: h[HeaderCreated]},
		"a customer path":   {HeaderCustomer: []byte("alice/../bob"), HeaderCreated: h[HeaderCreated]},
		"a NUL":             {HeaderCustomer: []byte("al\x00ice"), HeaderCreated: h[HeaderCreated]},
		"not a time":        {HeaderCustomer: []byte("alice"), HeaderCreated: []byte("yesterday")},
		"an empty customer": {HeaderCustomer: []byte{}, HeaderCreated: h[HeaderCreated]},
	} {
		_, _, ok := FromIndexHeaders(bad)
		require.False(t, ok, name)
	}
}
