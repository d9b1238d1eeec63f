package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// service is one running orderflow process.
type service struct {
	kind    string
	cmd     *exec.Cmd
	log     *os.File
	started time.Time
	base    string // the API's address, for kind "api"
}

// start runs `orderflow kind` with its data in dataDir.
func (b *bench) start(kind, dataDir string) (*service, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dataDir, err)
	}
	log, err := os.OpenFile(filepath.Join(b.cfg.work, kind+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening log: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, errors.Join(err, log.Close())
	}
	cmd := exec.Command(b.cfg.bin, kind) //nolint:gosec // the operator's own binary and a fixed subcommand
	cmd.Env = append(os.Environ(),
		"KAFKA_BROKERS="+strings.Join(b.cfg.brokers, ","),
		"DATA_DIR="+dataDir,
		"HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"METRICS_ADDR=127.0.0.1:0",
		"NATS_URL="+b.nats.ClientURL(),
		"AUTH_HS256_SECRET="+secret,
		"RATE_LIMIT=1000000", "RATE_BURST=1000000",
		"LOG_FORMAT=json", "LOG_LEVEL="+b.cfg.logLevel,
	)
	cmd.Stdout, cmd.Stderr = log, log
	s := &service{kind: kind, cmd: cmd, log: log, started: time.Now(), base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting orderflow %s: %w", kind, err), log.Close())
	}
	return s, nil
}

// waitReady polls the API's /readyz and returns the time from start until
// it answered 200.
func (s *service) waitReady(ctx context.Context, limit time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(s.started), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("orderflow %s not ready after %v", s.kind, limit)
}

// waitIdle waits until the process has used less than a tenth of a CPU for
// a whole second, and returns how long that took.
func (s *service) waitIdle(ctx context.Context, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	last, err := s.cpuTicks()
	for err == nil && time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
		var now int64
		if now, err = s.cpuTicks(); err == nil && now-last < 10 { // ticks are 10 ms
			return time.Since(start), nil
		}
		last = now
	}
	return time.Since(start), errors.Join(err, fmt.Errorf("orderflow %s still busy after %v", s.kind, limit))
}

// cpuTicks reads the user and system time the process has used.
func (s *service) cpuTicks() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading cpu time of %s: %w", s.kind, err)
	}
	// Fields after the command name, which may hold spaces: state is 3rd,
	// utime the 14th and stime the 15th of the whole line.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("reading cpu time of %s: short stat line", s.kind)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + k, errors.Join(err1, err2)
}

// rssMiB reads the process's resident memory.
func (s *service) rssMiB() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading memory of %s: %w", s.kind, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for %s", s.kind)
}

// stop ends the process as an operator would (SIGINT), so that its local
// data is closed cleanly and it leaves its consumer group.
func (s *service) stop() error {
	defer func() { _ = s.log.Close() }()
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("stopping %s: %w", s.kind, err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("orderflow %s: %w", s.kind, err)
		}
		return nil
	case <-time.After(60 * time.Second):
		return errors.Join(fmt.Errorf("orderflow %s did not stop in 60 s; killed", s.kind), s.cmd.Process.Kill(), <-done)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
