package order

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validOrder() Order {
	items := []Item{{SKU: "mug", Quantity: 1, UnitPriceCents: 100}, {SKU: "tea", Quantity: 2, UnitPriceCents: 50}}
	return Order{ID: "o1", CustomerID: "c1", Items: items, Currency: "EUR", TotalCents: Total(items),
		ShippingAddress: Address{Name: "x", Line1: "x", City: "x", PostalCode: "x", Country: "x"},
		CreatedAt:       time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}
}

// fields are the names FieldErrors finds in err, in order.
func fields(err error) []string {
	var names []string
	for _, fe := range FieldErrors(err) {
		names = append(names, fe.Field)
	}
	return names
}

func TestValidateReportsEveryInvalidField(t *testing.T) {
	t.Run("a valid order has no error", func(t *testing.T) {
		require.NoError(t, validOrder().Validate())
	})
	t.Run("lengths count characters, as the OpenAPI document's maxLength does", func(t *testing.T) {
		o := validOrder()
		o.Items[0].SKU = strings.Repeat("ü", MaxIDLen) // 128 bytes
		o.ShippingAddress.Name = strings.Repeat("名", MaxTextLen)
		require.NoError(t, o.Validate())
		o.Items[0].SKU += "ü"
		o.ShippingAddress.Name += "名"
		require.Equal(t, []string{"items[0].sku", "shipping_address.name"}, fields(o.Validate()))
	})
	t.Run("every bad field is named, in the order of the fields", func(t *testing.T) {
		o := validOrder()
		o.CustomerID = "c 1"
		o.Items[0].Quantity = 0
		o.Items[1].SKU = ""
		o.Items[1].UnitPriceCents = -1
		o.Currency = "XXX"
		o.ShippingAddress.City = ""
		o.ShippingAddress.Line2 = "a\nb"
		o.TotalCents = Total(o.Items)

		err := o.Validate()

		require.Equal(t, []string{
			"customer_id", "items[0].quantity", "items[1].sku", "items[1].unit_price_cents",
			"currency", "shipping_address.city", "shipping_address.line2",
		}, fields(err))
	})
	t.Run("errors.As still finds the first bad field, for callers that want one", func(t *testing.T) {
		o := validOrder()
		o.Currency = ""
		o.ShippingAddress.Country = ""

		err := o.Validate()

		var fe *FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "currency", fe.Field)
		require.True(t, IsFieldError(err))
	})
	t.Run("the message names every field on one line, for logs and dead-letter listings", func(t *testing.T) {
		o := validOrder()
		o.Currency = ""
		o.ShippingAddress.Country = ""

		require.EqualError(t, o.Validate(), `currency: "" is not one of EUR, USD, GBP, CHF; shipping_address.country: is required`)
	})
	t.Run("an order with too many items names only items, not each of them", func(t *testing.T) {
		o := validOrder()
		o.Items = make([]Item, MaxItems+1)
		o.TotalCents = 0

		require.Equal(t, []string{"items"}, fields(o.Validate()))
	})
	t.Run("an address names each missing line", func(t *testing.T) {
		require.Equal(t, []string{
			"shipping_address.name", "shipping_address.line1", "shipping_address.city",
			"shipping_address.postal_code", "shipping_address.country",
		}, fields(Address{}.Validate()))
	})
}

func TestFieldErrorsFindsJoinedAndWrappedErrors(t *testing.T) {
	a, b, c := &FieldError{"a", "x"}, &FieldError{"b", "x"}, &FieldError{"c", "x"}
	tests := []struct {
		name string
		err  error
		want []*FieldError
	}{
		{"nil has none", nil, nil},
		{"an error that names no field has none", errors.New("broker down"), nil},
		{"one field error is itself", a, []*FieldError{a}},
		{"a wrapped field error is found", fmt.Errorf("decoding: %w", a), []*FieldError{a}},
		{"joined errors are all found, in order", errors.Join(a, errors.New("other"), b), []*FieldError{a, b}},
		{"a wrapped join is found whole", fmt.Errorf("placing: %w", errors.Join(a, b)), []*FieldError{a, b}},
		{"nested joins are flattened", errors.Join(a, errors.Join(b, c)), []*FieldError{a, b, c}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, FieldErrors(tt.err))
		})
	}
}
