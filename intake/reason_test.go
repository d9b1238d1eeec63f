package intake

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/order"
)

func TestReason(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: no key", codecs.ErrMalformed), ReasonMalformed},
		{fmt.Errorf("decoding: %w", codecs.ErrUnknownVersion), ReasonUnknownVersion},
		{fmt.Errorf("%w: key is not the order id", codecs.ErrInvalid), ReasonInvalid},
		{fmt.Errorf("%w: 2 MiB", ErrTooLarge), ReasonTooLarge},
		{fmt.Errorf("%w: still on 3", ErrMisplaced), ReasonMisplaced},
		{fmt.Errorf("deciding: %w", &order.ErrTransition{From: order.PaymentFailed, To: order.Shipped}), ReasonTransition},
		{fmt.Errorf("%w: charging, attempt 5: %w", ErrCallFailed, errors.New("gateway unavailable")), ReasonCallFailed},
		{errors.New("something else"), ReasonOther},
	} {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, Reason(tt.err))
			require.Contains(t, Reasons(), tt.want)
		})
	}
}
