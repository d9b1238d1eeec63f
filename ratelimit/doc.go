// Package ratelimit limits how often each caller may make requests, with one
// token bucket per key: a customer id for authenticated requests, the client
// address otherwise.
//
// A bucket is kept as a single timestamp (the generic cell rate algorithm,
// GCRA, which behaves exactly like a token bucket), so a key costs one map
// entry and refilling costs nothing. Memory is bounded without a background
// goroutine: a new key first evicts keys whose buckets have refilled, which
// are indistinguishable from keys never seen, and the number of keys is
// capped, evicting the least recently used.
package ratelimit
