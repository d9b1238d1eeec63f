package benchkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Spec says how to run one orderflow process.
type Spec struct {
	Bin     string   // the orderflow binary
	Command string   // its subcommand: all, api, payment, ...
	Env     []string // added to this process's environment
	Log     string   // file that gets the process's stdout and stderr, appended
}

// Process is one running orderflow process.
type Process struct {
	Command string
	Started time.Time
	cmd     *exec.Cmd
	log     *os.File
}

// Start runs s.
func Start(s Spec) (*Process, error) {
	log, err := os.OpenFile(s.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening log: %w", err)
	}
	cmd := exec.Command(s.Bin, s.Command) //nolint:gosec // the operator's own binary and a fixed subcommand
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdout, cmd.Stderr = log, log
	p := &Process{Command: s.Command, Started: time.Now(), cmd: cmd, log: log}
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting orderflow %s: %w", s.Command, err), log.Close())
	}
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// WaitReady polls base+"/readyz" and returns the time from the start until
// it answered 200.
func (p *Process) WaitReady(ctx context.Context, base string, limit time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.Started), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("orderflow %s not ready after %v", p.Command, limit)
}

// WaitIdle waits until the process has used less than a tenth of a CPU for
// a whole second, and returns how long that took.
func (p *Process) WaitIdle(ctx context.Context, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	last, err := CPUTime(p.Pid())
	for err == nil && time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
		var now time.Duration
		if now, err = CPUTime(p.Pid()); err == nil && now-last < 100*time.Millisecond {
			return time.Since(start), nil
		}
		last = now
	}
	return time.Since(start), errors.Join(err, fmt.Errorf("orderflow %s still busy after %v", p.Command, limit))
}

// Stop ends the process as an operator would (SIGINT), so that its local
// data is closed cleanly and it leaves its consumer groups; after a minute
// it is killed.
func (p *Process) Stop() error {
	defer func() { _ = p.log.Close() }()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("stopping %s: %w", p.Command, err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("orderflow %s: %w", p.Command, err)
		}
		return nil
	case <-time.After(60 * time.Second):
		return errors.Join(fmt.Errorf("orderflow %s did not stop in 60 s; killed", p.Command), p.cmd.Process.Kill(), <-done)
	}
}
