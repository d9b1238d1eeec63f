package events_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/internal/ordertest"
)

// The API counts a payment token's characters, as its OpenAPI document
// does; the record must take every token the API accepts, or the order
// is refused with a 503 at encoding (schemathesis found one of 64 "ü"s).
func TestAPaymentTokenIsCountedInCharacters(t *testing.T) {
	for _, tt := range []struct {
		name, token string
		ok          bool
	}{
		{"64 letters of two bytes each", strings.Repeat("ü", 64), true},
		{"64 ASCII letters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("ü", 65), false},
		{"none", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ordertest.Placed("o1", "c1", tt.token).Validate()
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, "payment_token")
		})
	}
}
