package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"

	"orderflow/auth"
	"orderflow/notify"
)

const secret = "integration-secret-0123456789abcdef0123"

// binary is the orderflow command built once for all tests; logDir keeps
// the fault tests' process logs (ORDERFLOW_TEST_LOGS, or a temporary folder).
var binary, logDir string

func TestMain(m *testing.M) {
	if os.Getenv("ORDERFLOW_TEST_KAFKA") == "" {
		fmt.Println("integration: ORDERFLOW_TEST_KAFKA is not set; run `make test`, which starts a real broker")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "orderflow-it-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "orderflow")
	if logDir = os.Getenv("ORDERFLOW_TEST_LOGS"); logDir == "" {
		logDir = filepath.Join(dir, "logs")
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		panic(err)
	}
	// Built without -race so that the figures the tests print are what
	// users get; the unit tests run under -race.
	build := exec.Command("go", "build", "-o", binary, "../cmd/orderflow")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if build.Run() != nil {
		fmt.Println("integration: building orderflow failed")
		os.Exit(1)
	}
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Println("integration: removing the build folder:", err)
	}
	os.Exit(code)
}

func kafkaBrokers(t *testing.T) string {
	t.Helper()
	b := os.Getenv("ORDERFLOW_TEST_KAFKA")
	if b == "" {
		t.Skip("ORDERFLOW_TEST_KAFKA is not set; run `make test`")
	}
	return b
}

// natsServer is a real NATS server with JetStream on a loopback port.
type natsServer struct {
	*server.Server
	cfg   notify.ServerConfig
	owner *testing.T // stops the server, restarted or not, when it ends
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	cfg := notify.ServerConfig{Host: "127.0.0.1", Port: freePort(t), StoreDir: t.TempDir()}
	ns, err := notify.StartServer(cfg)
	require.NoError(t, err)
	n := &natsServer{Server: ns, cfg: cfg, owner: t}
	t.Cleanup(func() { n.Shutdown() })
	return n
}

// restart stops the server, runs during while it is down, waits, and starts
// it again on the same port with the same store, as an operator restarting
// NATS would.
func (n *natsServer) restart(t *testing.T, down time.Duration, during func()) {
	t.Helper()
	n.Shutdown()
	n.WaitForShutdown()
	during()
	time.Sleep(down)
	again, err := notify.StartServer(n.cfg)
	require.NoError(t, err)
	n.Server = again
}

// system is one running orderflow process.
type system struct {
	base   string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// startSystem runs `orderflow all` against the test broker and natsURL.
func startSystem(t *testing.T, natsURL string, extraEnv ...string) *system {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(binary, "all")
	cmd.Env = append(os.Environ(),
		"KAFKA_BROKERS="+kafkaBrokers(t),
		"NATS_URL="+natsURL,
		"DATA_DIR="+t.TempDir(),
		"HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"METRICS_ADDR=127.0.0.1:0",
		"AUTH_HS256_SECRET="+secret,
		"RATE_LIMIT=100000", "RATE_BURST=100000",
		"LOG_FORMAT=json", "LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	s := &system{base: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stdout = io.Discard
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := readyClient.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("orderflow did not become ready: %v\n%s", err, tail(s.stderr.String(), 4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop interrupts the process as Ctrl-C would, and kills it if it has not
// exited 20s later. An interrupted orderflow exits cleanly: any other end
// is logged.
func (s *system) stop(t *testing.T) {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Logf("orderflow exited after an interrupt with: %v", err)
		}
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Logf("orderflow did not exit within 20s of an interrupt; killed: %v", <-done)
	}
	if t.Failed() {
		t.Logf("orderflow stderr (warnings and errors):\n%s", tail(s.stderr.String(), 4000))
	}
}

// readyClient polls /readyz; a server that accepts and never answers must not
// hang the test.
var readyClient = &http.Client{Timeout: 2 * time.Second}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// freePort returns a port for a server a test starts, from below the
// kernel's ephemeral range. A port from inside it (what binding port 0
// gives) can be taken before its server binds it: every service binds its
// metrics server to port 0, and in CI one took the gateway's port, which
// then answered /stats with "404 page not found". The ports handed out are
// kept, so that no two servers of the run get the same one.
func freePort(t *testing.T) int {
	t.Helper()
	ports.mu.Lock()
	defer ports.mu.Unlock()
	if ports.given == nil {
		ports.given = map[int]bool{}
	}
	const lowest = 20000 // above the brokers' fixed ports (9092-19493)
	below := ephemeralLow()
	for range 1000 {
		port := lowest + rand.IntN(below-lowest)
		if ports.given[port] {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue // taken
		}
		require.NoError(t, ln.Close())
		ports.given[port] = true
		return port
	}
	t.Fatalf("no free port between %d and %d", lowest, below)
	return 0
}

// ports are the ports freePort handed out in this run.
var ports struct {
	mu    sync.Mutex
	given map[int]bool
}

// ephemeralLow is the start of the kernel's ephemeral port range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768 // Linux's default
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	low, err := strconv.Atoi(f[0])
	if err != nil || low <= 21000 {
		return 32768
	}
	return low
}

func token(t *testing.T, customer string) string {
	t.Helper()
	tok, err := auth.MintHS256([]byte(secret), auth.Claims{Issuer: "orderflow", Audience: "orderflow-api", CustomerID: customer}, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}

// client talks to the API as one customer.
type client struct {
	base, id, token string
	http            *http.Client
}

func newClient(t *testing.T, base, customer string) *client {
	return &client{base: base, id: customer, token: token(t, customer), http: &http.Client{Timeout: 30 * time.Second}}
}

type apiOrder struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	History []struct {
		Status string    `json:"status"`
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
	} `json:"history"`
	Payment *struct {
		Refunded bool `json:"refunded"`
	} `json:"payment"`
	CancelRequestedAt *time.Time `json:"cancel_requested_at"`
}

func (c *client) do(ctx context.Context, method, path string, body any, hdr map[string]string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func newOrderBody(token string) map[string]any {
	return map[string]any{
		"items":         []map[string]any{{"sku": "mug-01", "quantity": 2, "unit_price_cents": 1250}, {"sku": "tea-07", "quantity": 1, "unit_price_cents": 499}},
		"currency":      "EUR",
		"payment_token": token,
		"shipping_address": map[string]string{
			"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
		},
	}
}

func (c *client) place(ctx context.Context, cardToken, idemKey string) (apiOrder, int, error) {
	hdr := map[string]string{}
	if idemKey != "" {
		hdr["Idempotency-Key"] = idemKey
	}
	status, b, err := c.do(ctx, http.MethodPost, "/orders", newOrderBody(cardToken), hdr)
	var o apiOrder
	if err == nil && status == http.StatusCreated {
		err = json.Unmarshal(b, &o)
	}
	return o, status, err
}

func (c *client) get(ctx context.Context, id string) (apiOrder, int, error) {
	status, b, err := c.do(ctx, http.MethodGet, "/orders/"+id, nil, nil)
	var o apiOrder
	if err == nil && status == http.StatusOK {
		err = json.Unmarshal(b, &o)
	}
	return o, status, err
}

func (c *client) cancel(ctx context.Context, id string) (int, error) {
	status, _, err := c.do(ctx, http.MethodPost, "/orders/"+id+"/cancel", nil, nil)
	return status, err
}
