package api

import "testing"

// BenchmarkDecodeBody is the API's cost of reading one order's body: the
// strict checks and the decode.
func BenchmarkDecodeBody(b *testing.B) {
	body := []byte(goodBody(b))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var req createRequest
		if err := decodeBody(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}
