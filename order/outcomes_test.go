package order

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOutcomesFollowTheMachine(t *testing.T) {
	t.Run("payment decides exactly the moves out of created", func(t *testing.T) {
		require.ElementsMatch(t, []Status{Paid, PaymentFailed, Cancelled}, PaymentOutcomes())
		for _, s := range PaymentOutcomes() {
			require.NoError(t, CheckTransition(Created, s))
		}
	})
	t.Run("shipping writes the moves out of paid and passes on the ends of payment", func(t *testing.T) {
		require.ElementsMatch(t, []Status{Shipped, PaymentFailed, Cancelled}, ShipmentOutcomes())
		for _, s := range ShipmentOutcomes() {
			require.True(t, CheckTransition(Paid, s) == nil || CheckTransition(Created, s) == nil && s.Terminal(), "%s", s)
		}
	})
	t.Run("a told shipped order is notified and every other outcome stays", func(t *testing.T) {
		require.Equal(t, Notified, Told(Shipped))
		require.NoError(t, CheckTransition(Shipped, Told(Shipped)))
		for _, s := range []Status{PaymentFailed, Cancelled} {
			require.Equal(t, s, Told(s))
		}
	})
	t.Run("a status outside a set is refused", func(t *testing.T) {
		require.NoError(t, CheckOneOf(Paid, PaymentOutcomes()))
		require.Error(t, CheckOneOf(Shipped, PaymentOutcomes()))
	})
}
