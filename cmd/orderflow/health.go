package main

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// readiness is what must hold before a process does its work: each part of
// it (a processor, the API's view, a NATS connection) adds a check when it
// starts. The metrics address serves it as /readyz, which is what
// `orderflow healthcheck`, and so the container's health, asks.
type readiness struct {
	mu     sync.Mutex
	checks []namedCheck
}

type namedCheck struct {
	name  string
	check func() error
}

func newReadiness() *readiness { return &readiness{} }

// errNothingStarted is the readiness of a process whose parts have not
// started yet: it has nothing to be ready with.
var errNothingStarted = errors.New("nothing has started yet")

// add makes check part of the process's readiness, under name. `all` runs
// a scheduler beside each retrying stage: two checks may share a name, and
// both count.
func (r *readiness) add(name string, check func() error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, namedCheck{name, check})
}

// check reports every part that is not ready, in the order of their names,
// so that the same state always reads the same.
func (r *readiness) check() error {
	r.mu.Lock()
	checks := slices.Clone(r.checks)
	r.mu.Unlock()
	if len(checks) == 0 {
		return errNothingStarted
	}
	slices.SortStableFunc(checks, func(a, b namedCheck) int { return strings.Compare(a.name, b.name) })
	var errs []error
	for _, c := range checks {
		if err := c.check(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}

// liveHandler answers /healthz: the process is up and serving HTTP. It
// checks nothing else, so that a slow dependency does not read as a hung
// process.
func liveHandler(w http.ResponseWriter, _ *http.Request) {
	_, _ = fmt.Fprintln(w, "ok")
}

// readyHandler answers /readyz: 200 "ready", or 503 with what is not.
func (r *readiness) readyHandler(w http.ResponseWriter, _ *http.Request) {
	if err := r.check(); err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintln(w, err)
		return
	}
	_, _ = fmt.Fprintln(w, "ready")
}
