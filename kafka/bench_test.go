package kafka

import "testing"

func BenchmarkPartition(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Partition("ord_wxlyvcti7k3qdvmxfrtvua34ua", 6)
	}
}
