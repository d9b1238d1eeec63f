package order

import (
	"testing"
	"time"
)

func BenchmarkStateApplyFullLife(b *testing.B) {
	t0 := time.Now()
	life := []Change{{Status: Created, At: t0}, {Status: Paid, At: t0}, {Status: Shipped, At: t0}, {Status: Notified, At: t0}}
	b.ReportAllocs()
	for b.Loop() {
		var s State
		for _, c := range life {
			if err := s.Apply(c); err != nil {
				b.Fatal(err)
			}
		}
	}
}
