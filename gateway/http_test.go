package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientAndServerShareOneGateway(t *testing.T) {
	sim, err := NewSimulated("")
	require.NoError(t, err)
	srv := httptest.NewServer(NewServer(sim))
	defer srv.Close()
	c := NewClient(srv.URL)
	ctx := context.Background()

	t.Run("a charge made through one client is known to another", func(t *testing.T) {
		first, err := c.Charge(ctx, ChargeRequest{IdempotencyKey: "o1", OrderID: "o1", AmountCents: 100, Token: "tok_visa"})
		require.NoError(t, err)
		require.True(t, first.Approved)
		again, err := NewClient(srv.URL).Charge(ctx, ChargeRequest{IdempotencyKey: "o1", OrderID: "o1", AmountCents: 100, Token: "tok_visa"})
		require.NoError(t, err)
		require.Equal(t, first, again)
		require.Equal(t, 1, sim.Charges())
	})

	t.Run("a decline is an answer, not an error", func(t *testing.T) {
		ch, err := c.Charge(ctx, ChargeRequest{IdempotencyKey: "o2", Token: TokenDecline})
		require.NoError(t, err)
		require.False(t, ch.Approved)
		require.Equal(t, "card declined", ch.DeclineReason)
	})

	t.Run("an outage is ErrUnavailable", func(t *testing.T) {
		_, err := c.Charge(ctx, ChargeRequest{IdempotencyKey: "o3", Token: TokenUnavailable})
		require.ErrorIs(t, err, ErrUnavailable)
	})

	t.Run("a refund is made once and counted", func(t *testing.T) {
		require.NoError(t, c.Refund(ctx, RefundRequest{IdempotencyKey: "o1", ChargeID: "x", AmountCents: 100}))
		require.NoError(t, c.Refund(ctx, RefundRequest{IdempotencyKey: "o1", ChargeID: "x", AmountCents: 100}))
		st, err := c.Stats(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, st.Charges)
		require.Equal(t, 1, st.Refunds)
		require.Equal(t, 4, st.Requests, "every charge request is counted, repeats too")
	})

	t.Run("a bad request is refused for good", func(t *testing.T) {
		_, err := c.Charge(ctx, ChargeRequest{})
		require.Error(t, err)
		require.NotErrorIs(t, err, ErrUnavailable)
	})
}

func TestClientMapsFailuresToUnavailable(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream timeout", http.StatusGatewayTimeout)
	}))
	defer down.Close()
	_, err := NewClient(down.URL).Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1"})
	require.ErrorIs(t, err, ErrUnavailable)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = NewClient(closed.URL).Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1"})
	require.ErrorIs(t, err, ErrUnavailable)
	var netErr *url.Error
	require.ErrorAs(t, err, &netErr, "the network error under ErrUnavailable is kept")
}
