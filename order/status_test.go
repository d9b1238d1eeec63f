package order

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var allStatuses = []Status{Created, Paid, Shipped, Notified, PaymentFailed, Cancelled}

func TestCheckTransition(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Created, Paid}:          true,
		{Created, PaymentFailed}: true,
		{Created, Cancelled}:     true,
		{Paid, Shipped}:          true,
		{Paid, Cancelled}:        true,
		{Shipped, Notified}:      true,
	}
	// Every pair of statuses is either allowed or refused: nothing is left
	// to chance.
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			want := allowed[[2]Status{from, to}]
			name := string(from) + " to " + string(to)
			if want {
				name += " is allowed"
			} else {
				name += " is refused"
			}
			t.Run(name, func(t *testing.T) {
				err := CheckTransition(from, to)
				if want {
					require.NoError(t, err)
					return
				}
				var te *ErrTransition
				require.True(t, errors.As(err, &te))
				require.Equal(t, from, te.From)
				require.Equal(t, to, te.To)
			})
		}
	}
}

func TestStatusProperties(t *testing.T) {
	tests := []struct {
		status      Status
		terminal    bool
		cancellable bool
	}{
		{Created, false, true},
		{Paid, false, true},
		{Shipped, false, false},
		{Notified, true, false},
		{PaymentFailed, true, false},
		{Cancelled, true, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			require.True(t, tt.status.Valid())
			require.Equal(t, tt.terminal, tt.status.Terminal())
			require.Equal(t, tt.cancellable, tt.status.Cancellable())
		})
	}
	require.False(t, Status("lost").Valid())
}

func TestTotal(t *testing.T) {
	items := []Item{{SKU: "a", Quantity: 2, UnitPriceCents: 250}, {SKU: "b", Quantity: 1, UnitPriceCents: 1}}
	require.Equal(t, int64(501), Total(items))
	require.Zero(t, Total(nil))
}

func TestValidateRefusesControlCharacters(t *testing.T) {
	for _, bad := range []string{"a\x00b", "line\nbreak", "tab\there", "\u0085next"} {
		t.Run("the text "+strconv.Quote(bad)+" is refused", func(t *testing.T) {
			require.Error(t, (Address{Name: bad, Line1: "x", City: "x", PostalCode: "x", Country: "x"}).Validate())
		})
	}
}

func TestValidateBoundsTheCreationTime(t *testing.T) {
	base := Order{ID: "o1", CustomerID: "c1", Items: []Item{{SKU: "a", Quantity: 1, UnitPriceCents: 1}}, Currency: "EUR",
		ShippingAddress: Address{Name: "x", Line1: "x", City: "x", PostalCode: "x", Country: "x"}, TotalCents: 1}
	for _, at := range []time.Time{{}, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC)} {
		o := base
		o.CreatedAt = at
		require.Error(t, o.Validate(), "%v", at)
	}
	o := base
	o.CreatedAt = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	require.NoError(t, o.Validate())
}
