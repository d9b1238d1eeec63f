package gateway

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSimulatedCharge(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		approved   bool
		reason     string
		failsFirst int
	}{
		{"an ordinary card is approved", "tok_visa", true, "", 0},
		{"the decline token is declined", TokenDecline, false, "card declined", 0},
		{"the insufficient funds token is declined", TokenInsufficientFunds, false, "insufficient funds", 0},
		{"the flaky token fails twice then is approved", TokenFlaky, true, "", flakyFailures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewSimulated("")
			require.NoError(t, err)
			req := ChargeRequest{IdempotencyKey: "o1", OrderID: "o1", AmountCents: 100, Currency: "EUR", Token: tt.token}
			for range tt.failsFirst {
				_, err := g.Charge(context.Background(), req)
				require.ErrorIs(t, err, ErrUnavailable)
			}
			c, err := g.Charge(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, tt.approved, c.Approved)
			require.Equal(t, tt.reason, c.DeclineReason)
			again, err := g.Charge(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, c, again, "a repeated key gets the first answer")
		})
	}
}

func TestSimulatedUnavailableNeverCharges(t *testing.T) {
	g, err := NewSimulated("")
	require.NoError(t, err)
	for range 5 {
		_, err := g.Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1", Token: TokenUnavailable})
		require.True(t, errors.Is(err, ErrUnavailable))
	}
	require.Zero(t, g.Charges())
}

func TestSimulatedLedgerSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	g, err := NewSimulated(path)
	require.NoError(t, err)
	first, err := g.Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1", AmountCents: 5, Token: "tok_visa"})
	require.NoError(t, err)
	require.NoError(t, g.Refund(context.Background(), RefundRequest{IdempotencyKey: "o1", ChargeID: first.ID}))
	require.NoError(t, g.Close())

	restarted, err := NewSimulated(path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, restarted.Close()) })
	again, err := restarted.Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1", AmountCents: 5, Token: "tok_visa"})
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Equal(t, 1, restarted.Charges())
	require.NoError(t, restarted.Refund(context.Background(), RefundRequest{IdempotencyKey: "o1", ChargeID: first.ID}))
	require.Equal(t, 1, restarted.Refunds())
}

func TestSimulatedLedgerSurvivesATornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"kind":"charge","key":"o0","charge":{"ID":"ch","Approved":true}}`+"\n"+`{"kind":"cha`), 0o600))
	g, err := NewSimulated(path)
	require.NoError(t, err)
	_, err = g.Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1", Token: "tok_visa"})
	require.NoError(t, err)
	require.NoError(t, g.Close())
	again, err := NewSimulated(path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, again.Close()) })
	require.Equal(t, 2, again.Charges(), "the charge written after the torn line is remembered")
}
