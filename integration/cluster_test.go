package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/gateway"
)

// cluster runs every service as its own process of the real binary, as
// production does, so that a test can kill -9 any of them.
type cluster struct {
	t       *testing.T
	dir     string
	env     []string
	svcEnv  func(service string) []string // more variables for one service
	apiBase string
	gateway *gateway.Client

	mu    sync.Mutex
	procs map[string]*proc
}

// proc is one service process.
type proc struct {
	name, service string
	env           []string
	cmd           *exec.Cmd
	done          chan struct{} // closed once the process has exited and logFile is closed
	log           *bytes.Buffer
	logFile       *os.File
	logErr        error // from closing logFile; read it once done is closed
}

// newCluster starts one instance of each service; extraEnv (NAME=value)
// goes to every one.
func newCluster(t *testing.T, natsURL string, extraEnv ...string) *cluster {
	t.Helper()
	return newClusterWith(t, natsURL, func(string) []string { return nil }, extraEnv...)
}

// newClusterWith is newCluster with variables for each service on top, as
// svcEnv(service) says; `orderflow topics` runs as the service "topics".
func newClusterWith(t *testing.T, natsURL string, svcEnv func(service string) []string, extraEnv ...string) *cluster {
	t.Helper()
	dir := t.TempDir()
	apiPort, gwPort := freePort(t), freePort(t)
	c := &cluster{
		t:       t,
		dir:     dir,
		svcEnv:  svcEnv,
		apiBase: fmt.Sprintf("http://127.0.0.1:%d", apiPort),
		gateway: gateway.NewClient(fmt.Sprintf("http://127.0.0.1:%d", gwPort)),
		procs:   map[string]*proc{},
		env: append(os.Environ(),
			"KAFKA_BROKERS="+kafkaBrokers(t),
			"NATS_URL="+natsURL,
			"GATEWAY_URL="+fmt.Sprintf("http://127.0.0.1:%d", gwPort),
			"GATEWAY_ADDR=127.0.0.1:"+strconv.Itoa(gwPort),
			"GATEWAY_LEDGER="+filepath.Join(dir, "gateway-ledger"),
			"HTTP_ADDR=127.0.0.1:"+strconv.Itoa(apiPort),
			"METRICS_ADDR=127.0.0.1:0",
			"AUTH_HS256_SECRET="+secret,
			"RATE_LIMIT=100000", "RATE_BURST=100000",
			"RETRY_BASE=20ms", "RETRY_MAX=200ms",
			"LOG_FORMAT=json", "LOG_LEVEL=warn",
		),
	}
	c.env = append(c.env, extraEnv...)
	t.Cleanup(c.stopAll)
	topics := exec.Command(binary, "topics")
	topics.Env = append(append([]string{}, c.env...), svcEnv("topics")...)
	out, err := topics.CombinedOutput()
	require.NoError(t, err, "orderflow topics: %s", out)
	c.start("gateway", "gateway")
	for _, s := range []string{"orders", "payment", "shipping", "notifications", "api"} {
		c.start(s, s)
	}
	c.waitReady()
	return c
}

// start runs service under name; a name that ran before keeps its data
// folder, as a restarted machine would. extraEnv (NAME=value) goes to this
// process only.
func (c *cluster) start(name, service string, extraEnv ...string) *proc {
	c.t.Helper()
	p := &proc{name: name, service: service, done: make(chan struct{}), log: &bytes.Buffer{}}
	p.env = append(append(append([]string{}, c.env...), c.svcEnv(service)...), "DATA_DIR="+filepath.Join(c.dir, name))
	p.env = append(p.env, extraEnv...)
	p.cmd = exec.Command(binary, service)
	p.cmd.Env = p.env
	// Each process's log also goes to a file that outlives the test, for
	// the post-mortem of a failure (and its goroutine dump, see dumpStacks).
	f, err := os.OpenFile(filepath.Join(logDir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(c.t, err)
	p.logFile = f
	p.cmd.Stderr = io.MultiWriter(&lockedWriter{w: p.log}, f)
	require.NoError(c.t, p.cmd.Start(), "starting %s", name)
	go func() { _ = p.cmd.Wait(); p.logErr = f.Close(); close(p.done) }()
	c.mu.Lock()
	c.procs[name] = p
	c.mu.Unlock()
	return p
}

// kill9 kills a service without warning, as a power cut would.
func (c *cluster) kill9(name string) {
	c.mu.Lock()
	p := c.procs[name]
	c.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	c.exited(p)
}

// exited waits for p to exit and checks that its log file was written out.
func (c *cluster) exited(p *proc) {
	<-p.done
	require.NoError(c.t, p.logErr, "closing the log of %s", p.name)
}

// instances returns the names of the running instances of service.
func (c *cluster) instances(service string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for n, p := range c.procs {
		if p.service == service {
			names = append(names, n)
		}
	}
	return names
}

// stop ends a service gracefully.
func (c *cluster) stop(name string) {
	c.mu.Lock()
	p := c.procs[name]
	delete(c.procs, name)
	c.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
	}
	c.exited(p)
}

func (c *cluster) stopAll() {
	c.mu.Lock()
	names := make([]string, 0, len(c.procs))
	for n := range c.procs {
		names = append(names, n)
	}
	c.mu.Unlock()
	for _, n := range names {
		c.mu.Lock()
		p := c.procs[n]
		c.mu.Unlock()
		c.stop(n)
		if c.t.Failed() {
			c.t.Logf("%s stderr (warnings and errors):\n%s", n, tail(p.log.String(), 3000))
		}
	}
}

// dumpStacks asks every process for a goroutine dump (SIGQUIT ends it),
// which lands in its log file.
func (c *cluster) dumpStacks() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	}
	c.t.Logf("goroutine dumps of every process are in %s", logDir)
}

func (c *cluster) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := readyClient.Get(c.apiBase + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatal("the API did not become ready")
}

func (c *cluster) stats(ctx context.Context) gateway.Stats {
	c.t.Helper()
	s, err := c.gateway.Stats(ctx)
	require.NoError(c.t, err)
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
