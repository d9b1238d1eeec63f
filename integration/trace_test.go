package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/kafka"
	"orderflow/notify"
	"orderflow/tracing"
)

// The services whose spans every order's trace holds.
var stageServices = []string{"orderflow-payment", "orderflow-shipping", "orderflow-notifications", "orderflow-orders"}

// tracedOrder is an order of the trace test and what its trace must show.
type tracedOrder struct {
	id          string
	viaAPI      bool
	callerTrace string // the trace id the client sent in traceparent, if any
	callerSpan  string
	retries     int // charges the gateway fails before it approves
	misplaced   bool
}

// Every order gets one trace, from the HTTP request (or, for an order a plain
// Kafka client wrote, from the first stage that read it) through payment,
// shipping and notifications to the NATS message, received by a real OTLP
// receiver from the exporter in the real binary. The orders cover the places
// where a stage writes a record to act on later: the gateway's answers on
// payment-loop, retries through the scheduler (tok_flaky), a record moved
// to its partition, and the orders group's table writes.
func TestOneTracePerOrder(t *testing.T) {
	otlp := startOTLP(t)
	ns := startNATS(t)
	sys := startSystem(t, ns.ClientURL(), "OTEL_EXPORTER_OTLP_ENDPOINT="+otlp.url, "OTEL_BSP_SCHEDULE_DELAY=100")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := fmt.Sprintf("trace%d", time.Now().UnixNano())
	cl := newClient(t, sys.base, run)
	probe(t, ctx, cl)
	headers := watchHeaders(t, ctx, ns.ClientURL(), run)

	caller := tracedOrder{viaAPI: true, callerTrace: randomHex(t, 16), callerSpan: randomHex(t, 8)}
	caller.id = placeTraced(t, ctx, cl, "tok_visa", "00-"+caller.callerTrace+"-"+caller.callerSpan+"-01")
	flaky := tracedOrder{viaAPI: true, retries: 2}
	flaky.id = placeTraced(t, ctx, cl, "tok_flaky", "")
	plain := tracedOrder{id: run + "-plain", misplaced: true}
	p := events.OrderPlaced{V: codecs.Version, Order: ordertest.Order(plain.id, run), PaymentToken: "tok_visa"}
	p.Order.CreatedAt = time.Now().UTC()
	const partitions = 6 // KAFKA_PARTITIONS' default, which the test system uses
	produceTo(t, "new_orders", (kafka.Partition(plain.id, partitions)+1)%partitions, plain.id, ordertest.Bytes(p))

	orders := []tracedOrder{caller, flaky, plain}
	for _, o := range orders {
		final := waitTerminal(t, ctx, []*placed{{id: o.id, customer: cl}})
		require.Equal(t, "notified", final[o.id].Status, o.id)
	}
	for _, o := range orders {
		spans := waitForTrace(t, ctx, otlp, o)
		traceID := checkOneTrace(t, o, spans)
		require.Equal(t, traceID, traceIDOf(headers.get(o.id)), "the NATS message of %s carries its trace", o.id)
		require.Equal(t, traceID, traceIDOf(lastTableHeaders(t, "orders-table", o.id, partitions)),
			"the orders table's last write of %s carries its trace", o.id)
		if o.id == flaky.id {
			t.Logf("trace of order %s (tok_flaky: two charges fail, the scheduler hands them back):\n%s", o.id, tree(spans))
		}
	}
}

// placeTraced places an order through the API, with traceparent as the
// caller's trace context when it is not empty.
func placeTraced(t *testing.T, ctx context.Context, c *client, card, traceparent string) string {
	t.Helper()
	hdr := map[string]string{}
	if traceparent != "" {
		hdr["traceparent"] = traceparent
	}
	status, b, err := c.do(ctx, http.MethodPost, "/orders", newOrderBody(card), hdr)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, string(b))
	var o apiOrder
	require.NoError(t, json.Unmarshal(b, &o))
	return o.ID
}

// waitForTrace waits until the receiver holds every span the order's trace
// must have, and returns the spans that name the order.
func waitForTrace(t *testing.T, ctx context.Context, otlp *otlpReceiver, o tracedOrder) []span {
	t.Helper()
	for {
		spans := spansOf(otlp.all(), o.id)
		if complete(spans, o) {
			return spans
		}
		require.NoError(t, ctx.Err(), "the trace of order %s is incomplete; it has:\n%s", o.id, tree(spans))
		time.Sleep(50 * time.Millisecond)
	}
}

func spansOf(all []span, orderID string) []span {
	var out []span
	for _, s := range all {
		if s.orderID == orderID {
			out = append(out, s)
		}
	}
	return out
}

// complete reports whether spans hold the whole way of the order: the API
// (when it placed it), every stage, the charges, the publish, and the
// orders group's reading of the notification, which comes last.
func complete(spans []span, o tracedOrder) bool {
	services := map[string]bool{}
	for _, s := range spans {
		services[s.service] = true
	}
	want := stageServices
	if o.viaAPI {
		want = append([]string{"orderflow-api"}, want...)
	}
	for _, s := range want {
		if !services[s] {
			return false
		}
	}
	return count(spans, "orderflow-payment", "gateway charge") >= o.retries+1 &&
		count(spans, "orderflow-scheduler", "process retries") >= o.retries &&
		count(spans, "orderflow-notifications", "publish orders.notifications") >= 1 &&
		count(spans, "orderflow-orders", "process notified_orders") >= 1
}

func count(spans []span, service, name string) int {
	n := 0
	for _, s := range spans {
		if s.service == service && s.name == name {
			n++
		}
	}
	return n
}

// checkOneTrace holds the order's spans to one trace whose every span hangs
// from its root, and returns the trace id.
func checkOneTrace(t *testing.T, o tracedOrder, spans []span) string {
	t.Helper()
	ids := map[string]bool{}
	byID := map[string]span{}
	for _, s := range spans {
		ids[s.traceID] = true
		byID[s.spanID] = s
	}
	require.Len(t, ids, 1, "every span of order %s is in one trace:\n%s", o.id, tree(spans))
	traceID := spans[0].traceID
	var roots []span
	failed := 0
	for _, s := range spans {
		if _, ok := byID[s.parentID]; !ok {
			roots = append(roots, s)
		}
		if s.errored {
			require.Equal(t, "gateway charge", s.name, "only the charges the gateway failed fail")
			failed++
		}
	}
	require.Equal(t, o.retries, failed, "the failed charges are marked")
	switch {
	case o.callerTrace != "":
		require.Equal(t, o.callerTrace, traceID, "the trace is the caller's")
		require.Len(t, roots, 1, "one root:\n%s", tree(spans))
		require.Equal(t, o.callerSpan, roots[0].parentID, "the API's span is a child of the caller's")
	case o.viaAPI:
		require.Len(t, roots, 1, "one root:\n%s", tree(spans))
		require.Empty(t, roots[0].parentID)
	default:
		// Every group that read the record first started the order's trace.
		require.Equal(t, tracing.OrderTraceID(o.id).String(), traceID)
		for _, r := range roots {
			require.Equal(t, "process new_orders", r.name)
			require.Empty(t, r.parentID)
		}
	}
	if o.viaAPI {
		require.Equal(t, "orderflow-api", roots[0].service)
		require.Equal(t, "POST /orders", roots[0].name)
	}
	parentOf := func(s span) span { return byID[s.parentID] }
	for _, s := range spans {
		switch s.name {
		case "gateway charge":
			require.Equal(t, "orderflow-payment", parentOf(s).service, "a charge is a child of payment's record")
		case "publish orders.notifications":
			require.Equal(t, "nats notify", parentOf(s).name, "the publish is a child of the delivery")
			require.Equal(t, "process sent_orders", parentOf(parentOf(s)).name)
		case "process payment-loop":
			// An answer hangs from its call, a due retry from the scheduler.
			require.Contains(t, []string{"gateway charge", "process retries"}, parentOf(s).name)
		case "process retries":
			require.Equal(t, "orderflow-payment", parentOf(s).service, "a retry is scheduled by payment")
		}
	}
	if o.misplaced {
		moved := slices.ContainsFunc(spans, func(s span) bool {
			return s.service == "orderflow-payment" && s.name == "process new_orders" && parentOf(s).name == "process new_orders"
		})
		require.True(t, moved, "the moved copy is processed under the span that moved it:\n%s", tree(spans))
	}
	return traceID
}

// tree draws spans as their parent-child tree.
func tree(spans []span) string {
	children := map[string][]span{}
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.spanID] = true
	}
	var roots []span
	for _, s := range spans {
		if ids[s.parentID] {
			children[s.parentID] = append(children[s.parentID], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var draw func(s span, depth int)
	draw = func(s span, depth int) {
		fmt.Fprintf(&b, "%s%s  [%s, %s, span %s]\n", strings.Repeat("  ", depth), s.name, s.service, strings.ToLower(strings.TrimPrefix(s.kind, "SPAN_KIND_")), s.spanID)
		for _, c := range children[s.spanID] {
			draw(c, depth+1)
		}
	}
	for _, r := range roots {
		fmt.Fprintf(&b, "trace %s, parent %q\n", r.traceID, r.parentID)
		draw(r, 1)
	}
	return b.String()
}

// traceIDOf returns the trace id of a traceparent header, "" without one.
func traceIDOf(h map[string]string) string {
	parts := strings.Split(h[tracing.HeaderTraceparent], "-")
	if len(parts) != 4 {
		return ""
	}
	return parts[1]
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// natsHeaders are the headers of each order's notification, by order id.
type natsHeaders struct {
	mu   sync.Mutex
	byID map[string]map[string]string
}

func (n *natsHeaders) get(id string) map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byID[id]
}

// watchHeaders keeps the headers of the notifications of customers whose
// id starts with prefix.
func watchHeaders(t *testing.T, ctx context.Context, natsURL, prefix string) *natsHeaders {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := notify.EnsureStream(ctx, js)
	require.NoError(t, err)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{notify.Subject(prefix)}})
	require.NoError(t, err)
	n := &natsHeaders{byID: map[string]map[string]string{}}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var msg notify.Message
		if json.Unmarshal(m.Data(), &msg) != nil {
			return
		}
		h := map[string]string{}
		for k := range m.Headers() {
			h[k] = m.Headers().Get(k)
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		n.byID[msg.OrderID] = h
	})
	require.NoError(t, err)
	t.Cleanup(cc.Stop)
	return n
}

// lastTableHeaders returns the headers of the last record of key in a
// group table.
func lastTableHeaders(t *testing.T, table, key string, partitions int32) map[string]string {
	t.Helper()
	m, err := lastRecord(strings.Split(kafkaBrokers(t), ","), table, key, partitions)
	require.NoError(t, err)
	require.NotNil(t, m, "no record of %s in %s", key, table)
	last := map[string]string{}
	for _, h := range m.Headers {
		last[string(h.Key)] = string(h.Value)
	}
	return last
}
