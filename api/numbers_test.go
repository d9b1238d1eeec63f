package api

import (
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/order"
)

func TestIntegral(t *testing.T) {
	cases := []struct {
		lit, want string
		whole     bool
	}{
		{"1.0", "1", true},
		{"-3.000", "-3", true},
		{"2.50e2", "250", true},
		{"1E3", "1000", true},
		{"1e+2", "100", true},
		{"1500e-3", "", false},
		{"1000e-3", "1", true},
		{"0.0", "0", true},
		{"-0.0e5", "0", true},
		{"0e999999999", "0", true},
		{"007.00", "7", true},
		{"1.5", "", false},
		{"1.0000000000000000001", "", false},
		{"1e-1", "", false},
		{"0.001e3", "1", true},
		{"9.223372036854775807e18", "9223372036854775807", true},
		{"1e19", "", false},
		{"1e999999999", "", false},
		{"1e99999999999999999999", "", false},
	}
	for _, c := range cases {
		t.Run(c.lit, func(t *testing.T) {
			got, ok := integral(c.lit)
			require.Equal(t, c.whole, ok)
			require.Equal(t, c.want, got)
		})
	}
}

// schemathesis found that an order with "quantity": 1.0 was refused,
// though JSON Schema (and so the OpenAPI document) counts 1.0 an integer.
func TestAWholeNumberWithAFractionIsAnInteger(t *testing.T) {
	body := `{"items":[{"sku":"mug-01","quantity":2.0,"unit_price_cents":1.25e3}],"currency":"EUR",` +
		`"payment_token":"tok_visa","shipping_address":{"name":"Ada 1.0","line1":"1.5e1 Main St","city":"London","postal_code":"SW1","country":"GB"}}`
	var req createRequest
	require.NoError(t, decodeBody([]byte(body), &req))
	require.EqualValues(t, 2, req.Items[0].Quantity)
	require.EqualValues(t, 1250, req.Items[0].UnitPriceCents)
	require.Equal(t, "1.5e1 Main St", req.ShippingAddress.Line1, "numbers inside strings are text")

	t.Run("a fraction is still refused, naming the field", func(t *testing.T) {
		var req createRequest
		err := decodeBody([]byte(`{"items":[{"sku":"mug-01","quantity":1.5,"unit_price_cents":100}]}`), &req)
		var fe *order.FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "items.quantity", fe.Field)
	})
}
