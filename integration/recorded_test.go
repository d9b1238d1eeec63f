package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/gateway"
	"orderflow/processors/payment"
	"orderflow/topology"
)

// Payment records a charge in its table before it makes it, so that after a
// crash the table shows every charge that may have been made; a cancel seen
// first then cannot settle the order as "cancelled before any charge" while
// the gateway holds one. The record must be on the broker, not just handed
// to the producer: kill -9 loses what the producer still holds. Here the
// gateway itself, at each charge, reads the payment table on the real broker
// and requires the order's entry there to hold the charge as out; producers
// hold records up to 200 ms to make the window plain.
func TestAChargeIsMadeOnlyOnceItsRecordIsOnTheBroker(t *testing.T) {
	const orders = 40
	ns := startNATS(t)
	gw := &recordCheckingGateway{brokers: strings.Split(kafkaBrokers(t), ","), next: gateway.NewServer(newSimulated(t))}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	sys := startSystem(t, ns.ClientURL(), "GATEWAY_URL="+srv.URL, "KAFKA_FLUSH_FREQUENCY=200ms")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := newClient(t, sys.base, fmt.Sprintf("recorded-%d", time.Now().UnixNano()))
	for i := range orders {
		_, status, err := c.place(ctx, "tok_visa", "")
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status, "order %d", i)
	}
	require.Eventually(t, func() bool { n, _ := gw.checked(); return n >= orders }, time.Minute, 50*time.Millisecond, "every order charged")
	n, early := gw.checked()
	require.Empty(t, early, "charges made before their record was on the broker")
	t.Logf("recorded: %d charges, each found on the broker as out in the order's payment entry", n)
}

// recordCheckingGateway serves the simulated gateway and, before each
// charge, checks the payment table on the broker.
type recordCheckingGateway struct {
	brokers []string
	next    http.Handler

	mu      sync.Mutex
	charges int
	early   []string // charges made before their record was on the broker, and why
}

func (g *recordCheckingGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/charges" {
		body, err := io.ReadAll(r.Body)
		var req gateway.ChargeRequest
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, "bad charge request", http.StatusBadRequest)
			return
		}
		err = holdsCharge(g.brokers, req.OrderID)
		g.mu.Lock()
		g.charges++
		if err != nil {
			g.early = append(g.early, req.OrderID+": "+err.Error())
		}
		g.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	g.next.ServeHTTP(w, r)
}

// checked returns how many charges were checked, and the ones made early.
func (g *recordCheckingGateway) checked() (int, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.charges, append([]string(nil), g.early...)
}

// holdsCharge checks that the order's last entry in the payment table, as
// far as the broker has it now, holds a charge call as out.
func holdsCharge(brokers []string, id string) error {
	m, err := lastRecord(brokers, string(goka.GroupTable(topology.PaymentGroup)), id, 6)
	if err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("no entry on the broker")
	}
	e, err := codecs.Decode[payment.Entry](m.Value)
	if err != nil {
		return fmt.Errorf("decoding the entry: %w", err)
	}
	if e.Call == nil || e.Call.Action != "charge" {
		return fmt.Errorf("the entry on the broker holds no charge: %s", m.Value)
	}
	return nil
}
