package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Card tokens the simulated gateway treats specially. Any other token is
// approved.
const (
	TokenDecline           = "tok_decline"            // declined: card declined
	TokenInsufficientFunds = "tok_insufficient_funds" // declined: insufficient funds
	TokenUnavailable       = "tok_unavailable"        // ErrUnavailable on every attempt
	TokenFlaky             = "tok_flaky"              // ErrUnavailable twice per order, then approved
)

// flakyFailures is how often TokenFlaky fails before it succeeds.
const flakyFailures = 2

// Simulated is a deterministic payment gateway. It keeps every charge and
// refund by idempotency key in a ledger (LevelDB, on disk or in memory) that
// it syncs before answering, so that a payment stage that crashes and asks
// again after a restart gets the same answer, just as from a real gateway.
type Simulated struct {
	ledger *ledger
	// locks serialise requests for the same key, so that two concurrent
	// requests of one order cannot both charge; requests of different
	// orders run in parallel and share the ledger's syncs.
	locks    [64]sync.Mutex
	requests atomic.Int64

	mu sync.Mutex
	// attempts counts failed attempts of TokenFlaky orders still in flight;
	// an entry goes once the order is charged.
	attempts map[string]int

	latency Latency
}

// Latency is how long the simulated gateway takes to answer: Fixed, plus a
// uniformly random part of up to Jitter, as a real provider's 100-500 ms.
type Latency struct {
	Fixed, Jitter time.Duration
}

// WithLatency makes every charge and refund take l before it is answered
// (or its context ends), and returns s.
func (s *Simulated) WithLatency(l Latency) *Simulated {
	s.latency = l
	return s
}

// wait sleeps the simulated provider's answer time. It holds no lock, so
// that requests of different orders wait side by side, as at a provider.
func (s *Simulated) wait(ctx context.Context) error {
	d := s.latency.Fixed
	if s.latency.Jitter > 0 {
		d += rand.N(s.latency.Jitter) //nolint:gosec // spreads simulated answer times; not a secret
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewSimulated returns a simulated gateway whose ledger is the LevelDB folder
// ledgerDir, created if missing; with "" the ledger is in memory only.
// Opening does not read the ledger: start-up costs the same whatever its size.
func NewSimulated(ledgerDir string) (*Simulated, error) {
	l, err := openLedger(ledgerDir)
	if err != nil {
		return nil, err
	}
	return &Simulated{ledger: l, attempts: map[string]int{}}, nil
}

// Close closes the ledger.
func (s *Simulated) Close() error { return s.ledger.close() }

func (s *Simulated) lock(key string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key)) // a hash's Write never fails
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// Charge implements the payment stage's gateway.
func (s *Simulated) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := s.wait(ctx); err != nil {
		return Charge{}, err
	}
	s.requests.Add(1)
	mu := s.lock(req.IdempotencyKey)
	mu.Lock()
	defer mu.Unlock()
	if c, ok, err := s.ledger.charge(req.IdempotencyKey); err != nil || ok {
		return c, err
	}
	c, err := s.decide(req)
	if err != nil {
		return Charge{}, err
	}
	if err := s.ledger.put(chargePrefix, req.IdempotencyKey, entry{Charge: c, Amount: req.AmountCents}); err != nil {
		return Charge{}, err
	}
	s.mu.Lock()
	delete(s.attempts, req.IdempotencyKey)
	s.mu.Unlock()
	return c, nil
}

// decide answers a charge the ledger does not know yet, by its card token.
func (s *Simulated) decide(req ChargeRequest) (Charge, error) {
	c := Charge{ID: chargeID(req.IdempotencyKey)}
	switch req.Token {
	case TokenUnavailable:
		return Charge{}, fmt.Errorf("%w: simulated outage", ErrUnavailable)
	case TokenFlaky:
		s.mu.Lock()
		s.attempts[req.IdempotencyKey]++
		failed := s.attempts[req.IdempotencyKey] <= flakyFailures
		s.mu.Unlock()
		if failed {
			return Charge{}, fmt.Errorf("%w: simulated timeout", ErrUnavailable)
		}
		c.Approved = true
	case TokenDecline:
		c.DeclineReason = "card declined"
	case TokenInsufficientFunds:
		c.DeclineReason = "insufficient funds"
	default:
		c.Approved = true
	}
	return c, nil
}

// Refund implements the payment stage's gateway.
func (s *Simulated) Refund(ctx context.Context, req RefundRequest) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	mu := s.lock(req.IdempotencyKey)
	mu.Lock()
	defer mu.Unlock()
	if done, err := s.ledger.refunded(req.IdempotencyKey); err != nil || done {
		return err
	}
	return s.ledger.put(refundPrefix, req.IdempotencyKey, entry{Amount: req.AmountCents})
}

// Stats counts what the gateway did: approved charges and refunds from the
// whole ledger, requests since it started. Counting reads the whole ledger;
// it is for tests and benchmarks.
func (s *Simulated) Stats() (Stats, error) {
	charges, err := s.ledger.count(chargePrefix, func(e entry) bool { return e.Charge.Approved })
	if err != nil {
		return Stats{}, err
	}
	refunds, err := s.ledger.count(refundPrefix, func(entry) bool { return true })
	if err != nil {
		return Stats{}, err
	}
	return Stats{Charges: charges, Refunds: refunds, Requests: int(s.requests.Load())}, nil
}

// Charges returns how many approved charges the ledger holds, for tests; -1
// if it cannot be read.
func (s *Simulated) Charges() int {
	st, err := s.Stats()
	if err != nil {
		return -1
	}
	return st.Charges
}

// Refunds returns how many refunds the ledger holds, for tests; -1 if it
// cannot be read.
func (s *Simulated) Refunds() int {
	st, err := s.Stats()
	if err != nil {
		return -1
	}
	return st.Refunds
}

// Requests returns how many charge requests the gateway has answered since
// it started, repeats included.
func (s *Simulated) Requests() int { return int(s.requests.Load()) }

func chargeID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "ch_" + hex.EncodeToString(sum[:8])
}
