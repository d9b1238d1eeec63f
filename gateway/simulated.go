package gateway

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
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
// refund by idempotency key, optionally in a ledger file that it syncs before
// answering, so that a payment stage that crashes and asks again after a
// restart gets the same answer, just as from a real gateway.
type Simulated struct {
	mu       sync.Mutex
	charges  map[string]Charge
	refunds  map[string]bool
	attempts map[string]int
	requests int
	ledger   *os.File
}

type entry struct {
	Kind   string `json:"kind"` // "charge" or "refund"
	Key    string `json:"key"`
	Charge Charge `json:"charge,omitzero"`
	Amount int64  `json:"amount_cents"`
}

// NewSimulated returns a simulated gateway. With a ledger path it reloads the
// charges and refunds recorded there and appends new ones; with "" it keeps
// them in memory only.
func NewSimulated(ledgerPath string) (*Simulated, error) {
	s := &Simulated{charges: map[string]Charge{}, refunds: map[string]bool{}, attempts: map[string]int{}}
	if ledgerPath == "" {
		return s, nil
	}
	if err := s.load(ledgerPath); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(ledgerPath, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o600) //nolint:gosec // G304: the operator's configured path, never a request's
	if err != nil {
		return nil, fmt.Errorf("opening gateway ledger: %w", err)
	}
	if err := endLine(f); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	s.ledger = f
	return s, nil
}

// endLine ends a line torn by a crash, so that the next entry starts on a
// line of its own instead of being glued to (and lost with) the torn one.
func endLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil {
		return fmt.Errorf("reading gateway ledger: %w", err)
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte("\n"))
	return err
}

func (s *Simulated) load(path string) error {
	f, err := os.Open(path) //nolint:gosec // G304: the ledger path NewSimulated was configured with
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading gateway ledger: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only: a read error surfaces through sc.Err, Close has nothing to add
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e entry
		// A line torn by a crash mid-write was never answered; skip it.
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if e.Kind == "charge" {
			s.charges[e.Key] = e.Charge
		} else {
			s.refunds[e.Key] = true
		}
	}
	return sc.Err()
}

// Close closes the ledger.
func (s *Simulated) Close() error {
	if s.ledger == nil {
		return nil
	}
	return s.ledger.Close()
}

// Charge implements the payment stage's gateway.
func (s *Simulated) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := ctx.Err(); err != nil {
		return Charge{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if c, ok := s.charges[req.IdempotencyKey]; ok {
		return c, nil
	}
	s.attempts[req.IdempotencyKey]++
	c := Charge{ID: chargeID(req.IdempotencyKey)}
	switch req.Token {
	case TokenUnavailable:
		return Charge{}, fmt.Errorf("%w: simulated outage", ErrUnavailable)
	case TokenFlaky:
		if s.attempts[req.IdempotencyKey] <= flakyFailures {
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
	if err := s.write(entry{Kind: "charge", Key: req.IdempotencyKey, Charge: c, Amount: req.AmountCents}); err != nil {
		return Charge{}, err
	}
	s.charges[req.IdempotencyKey] = c
	return c, nil
}

// Refund implements the payment stage's gateway.
func (s *Simulated) Refund(ctx context.Context, req RefundRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refunds[req.IdempotencyKey] {
		return nil
	}
	if err := s.write(entry{Kind: "refund", Key: req.IdempotencyKey, Amount: req.AmountCents}); err != nil {
		return err
	}
	s.refunds[req.IdempotencyKey] = true
	return nil
}

func (s *Simulated) write(e entry) error {
	if s.ledger == nil {
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding ledger entry: %w", err)
	}
	if _, err := s.ledger.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%w: writing ledger: %w", ErrUnavailable, err)
	}
	if err := s.ledger.Sync(); err != nil {
		return fmt.Errorf("%w: syncing ledger: %w", ErrUnavailable, err)
	}
	return nil
}

// Charges returns how many approved charges the gateway has made.
func (s *Simulated) Charges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.charges {
		if c.Approved {
			n++
		}
	}
	return n
}

// Requests returns how many charge requests the gateway has answered since
// it started, repeats included.
func (s *Simulated) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Refunds returns how many refunds the gateway has made.
func (s *Simulated) Refunds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.refunds)
}

func chargeID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "ch_" + hex.EncodeToString(sum[:8])
}
