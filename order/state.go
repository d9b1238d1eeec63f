package order

import (
	"slices"
	"time"
)

// Change is one step in an order's history.
type Change struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// State is an order together with everything that has happened to it: what
// the orders table keeps and what the API shows.
type State struct {
	Order             Order      `json:"order"`
	Status            Status     `json:"status"`
	History           []Change   `json:"history"`
	Payment           *Payment   `json:"payment,omitempty"`
	Shipment          *Shipment  `json:"shipment,omitempty"`
	CancelRequestedAt *time.Time `json:"cancel_requested_at,omitempty"`
	NotifiedAt        *time.Time `json:"notified_at,omitempty"`
}

// Apply adds a change to the history. Changes may arrive in any order and
// more than once (each stage reports on its own topic, and Kafka delivers at
// least once), so Record keeps the history sorted along the order's life,
// ignores a status it already has and refuses a change that would make the
// history an impossible path through the state machine.
func (s *State) Apply(c Change) error {
	if !c.Status.Valid() {
		return &ErrTransition{From: s.Status, To: c.Status}
	}
	if slices.ContainsFunc(s.History, func(h Change) bool { return h.Status == c.Status }) {
		return nil
	}
	history := append(slices.Clone(s.History), c)
	slices.SortStableFunc(history, func(a, b Change) int { return rank[a.Status] - rank[b.Status] })
	if err := checkPath(history); err != nil {
		return err
	}
	s.History = history
	s.Status = history[len(history)-1].Status
	return nil
}

// checkPath reports whether a sorted history is a path the machine allows.
// A history need not start at created: a later stage's report may come
// first, and the gap is filled when the earlier report arrives.
func checkPath(history []Change) error {
	for i := 1; i < len(history); i++ {
		from, to := history[i-1].Status, history[i].Status
		if rank[to] == rank[from] {
			return &ErrTransition{From: from, To: to}
		}
		if !reachable(from, to) {
			return &ErrTransition{From: from, To: to}
		}
	}
	return nil
}

// reachable reports whether some path of allowed moves leads from one status
// to the other, so that a gap in a history can still be filled.
func reachable(from, to Status) bool {
	for _, s := range next[from] {
		if s == to || reachable(s, to) {
			return true
		}
	}
	return false
}
