package codecs_test

import (
	"testing"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/ordertest"
)

func BenchmarkOrderPlacedEncode(b *testing.B) {
	var c codecs.JSON[events.OrderPlaced]
	p := ordertest.Placed("ord_benchmark", "c1", "tok_visa")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOrderPlacedDecode(b *testing.B) {
	var c codecs.JSON[events.OrderPlaced]
	data := ordertest.Bytes(ordertest.Placed("ord_benchmark", "c1", "tok_visa"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
