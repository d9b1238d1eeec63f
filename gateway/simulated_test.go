package gateway

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
	path := filepath.Join(t.TempDir(), "ledger")
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

// Requests of different orders run at once and share the ledger's syncs;
// requests of one order never both charge.
func TestSimulatedConcurrentRequests(t *testing.T) {
	g, err := NewSimulated(filepath.Join(t.TempDir(), "ledger"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := ChargeRequest{IdempotencyKey: fmt.Sprintf("o%d", i%50), AmountCents: 5, Token: "tok_visa"}
			c, err := g.Charge(context.Background(), req)
			assert.NoError(t, err)
			assert.Equal(t, chargeID(req.IdempotencyKey), c.ID)
		}()
	}
	wg.Wait()
	require.Equal(t, 50, g.Charges(), "one charge per order, however many asked at once")
	require.Equal(t, 200, g.Requests())
}

// A slow provider, for measuring: every answer takes the latency, and a
// caller that gives up first gets its context's error, never a charge.
func TestSimulatedLatency(t *testing.T) {
	g, err := NewSimulated("")
	require.NoError(t, err)
	g.WithLatency(Latency{Fixed: 30 * time.Millisecond, Jitter: 10 * time.Millisecond})
	start := time.Now()
	_, err = g.Charge(context.Background(), ChargeRequest{IdempotencyKey: "o1", Token: "tok_visa"})
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	_, err = g.Charge(ctx, ChargeRequest{IdempotencyKey: "o2", Token: "tok_visa"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 1, g.Charges(), "the order whose caller gave up was not charged")
}
