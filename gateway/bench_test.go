package gateway

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// BenchmarkLedgerCharges charges new orders against a ledger on disk, one
// caller at a time and with many at once. Every charge is synced before it
// is answered; with many callers LevelDB merges their writes, so one sync
// serves every charge waiting at that moment (group commit): compare ns/op.
func BenchmarkLedgerCharges(b *testing.B) {
	b.Run("one caller", func(b *testing.B) {
		g := openBenchGateway(b)
		for i := 0; b.Loop(); i++ {
			charge(b, g, i)
		}
	})
	b.Run("64 callers per CPU", func(b *testing.B) {
		g := openBenchGateway(b)
		var next atomic.Int64
		b.SetParallelism(64)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				charge(b, g, int(next.Add(1)))
			}
		})
	})
}

func openBenchGateway(b *testing.B) *Simulated {
	b.Helper()
	g, err := NewSimulated(filepath.Join(b.TempDir(), "ledger"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := g.Close(); err != nil {
			b.Error(err)
		}
	})
	return g
}

func charge(b *testing.B, g *Simulated, i int) {
	req := ChargeRequest{IdempotencyKey: fmt.Sprintf("o%d", i), AmountCents: 100, Token: "tok_visa"}
	if _, err := g.Charge(context.Background(), req); err != nil {
		b.Error(err)
	}
}
