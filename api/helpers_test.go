package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/auth"
	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
	"orderflow/problem"
)

// The callers the tests use. Their ids pass auth.ValidateCustomerID.
const (
	alice = "alice"
	bob   = "bob"
	admin = "ops-admin"
)

const (
	testIssuer   = "https://id.orderflow.test"
	testAudience = "orderflow-api"
	// Both secrets are 32 bytes, the least auth accepts; the API trusts
	// only the first.
	testSecret  = "api-test-secret-0123456789abcdef"
	otherSecret = "not-the-api-secret-0123456789abc"
	// testPaymentToken must never show up in an answer or a log line.
	testPaymentToken = "tok_visa_4242_secret"
)

// testNow is the one clock of the API and the verifier under test.
func testNow() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// fixture is the API wired as in production (the real auth middleware) over
// in-memory fakes of the views and of Kafka.
type fixture struct {
	handler http.Handler
	orders  *fakeOrders
	writer  *fakeWriter
	logs    *syncBuffer
}

// newFixture builds the fixture; change, if given, adjusts the API's
// configuration first.
func newFixture(t testing.TB, change ...func(*Config)) *fixture {
	t.Helper()
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{
		Issuer:      testIssuer,
		Audience:    testAudience,
		HS256Secret: []byte(testSecret),
		Now:         testNow,
	})
	require.NoError(t, err)
	f := &fixture{orders: newFakeOrders(), writer: &fakeWriter{t: t}, logs: &syncBuffer{}}
	cfg := Config{
		Orders:       f.orders,
		Writer:       f.writer,
		Logger:       slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Authenticate: verifier.Middleware,
		Now:          testNow,
	}
	for _, c := range change {
		c(&cfg)
	}
	f.handler = New(cfg)
	return f
}

func (f *fixture) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, r)
	return rec
}

// mint signs a token for customer with secret, issued at issuedAt and valid
// for an hour.
func mint(t testing.TB, secret, customer string, issuedAt time.Time, roles ...string) string {
	t.Helper()
	claims := auth.Claims{Issuer: testIssuer, Audience: testAudience, CustomerID: customer, Roles: roles}
	token, err := auth.MintHS256([]byte(secret), claims, time.Hour, issuedAt)
	require.NoError(t, err)
	return token
}

// tokenFor is a valid token for customer.
func tokenFor(t testing.TB, customer string, roles ...string) string {
	return mint(t, testSecret, customer, testNow(), roles...)
}

// request builds a request as a client sends it: a JSON body when there is
// one and a bearer token when there is one.
func request(method, target, token, body string) *http.Request {
	var r io.Reader = http.NoBody
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// decodeProblem checks that rec is a problem details answer (RFC 9457) as
// the API promises them, and returns its body.
func decodeProblem(t testing.TB, rec *httptest.ResponseRecorder) problem.Details {
	t.Helper()
	require.Equal(t, problem.ContentType, rec.Header().Get("Content-Type"), "an error answer is a problem, body %q", rec.Body)
	var body problem.Details
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&body), "problem body %q", rec.Body)
	require.Equal(t, "about:blank", body.Type)
	require.Equal(t, http.StatusText(rec.Code), body.Title)
	require.Equal(t, rec.Code, body.Status)
	require.NotEmpty(t, body.Detail, "an error answer says what is wrong")
	require.NotEmpty(t, body.Code)
	require.Equal(t, body.Code == problem.InvalidField, len(body.Errors) > 0, "only invalid_field lists fields: %+v", body)
	return body
}

// invalidFieldNames are the fields a problem lists, in order.
func invalidFieldNames(p problem.Details) []string {
	var names []string
	for _, f := range p.Errors {
		names = append(names, f.Field)
	}
	return names
}

func decodeOrder(t testing.TB, rec *httptest.ResponseRecorder) orderResponse {
	t.Helper()
	var o orderResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &o), "order body %q", rec.Body)
	return o
}

func decodeList(t testing.TB, rec *httptest.ResponseRecorder) listResponse {
	t.Helper()
	var l listResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &l), "list body %q", rec.Body)
	return l
}

// validBody is a POST /orders body the API accepts, fresh for each caller
// to change. Its total is validTotal.
func validBody() map[string]any {
	return map[string]any{
		"items": []any{
			map[string]any{"sku": "mug-blue", "quantity": 2, "unit_price_cents": 1250},
			map[string]any{"sku": "tea-earl-grey", "quantity": 1, "unit_price_cents": 500},
		},
		"currency": "EUR",
		"shipping_address": map[string]any{
			"name": "Alice Liddell", "line1": "1 Rabbit Hole", "city": "Oxford",
			"postal_code": "OX1 1AA", "country": "GB",
		},
		"payment_token": testPaymentToken,
	}
}

const validTotal = 2*1250 + 1*500

// bodyWith is validBody changed by change, as JSON.
func bodyWith(t testing.TB, change func(b map[string]any)) string {
	t.Helper()
	b := validBody()
	change(b)
	data, err := json.Marshal(b)
	require.NoError(t, err)
	return string(data)
}

func goodBody(t testing.TB) string { return bodyWith(t, func(map[string]any) {}) }

// stateOf is an order of customer's that has reached status, with the
// history the stages would have recorded on the way.
func stateOf(t testing.TB, id, customer string, status order.Status, createdAt time.Time) events.OrderState {
	t.Helper()
	items := []order.Item{{SKU: "mug-blue", Quantity: 2, UnitPriceCents: 1250}, {SKU: "tea-earl-grey", Quantity: 1, UnitPriceCents: 500}}
	st := order.State{Order: order.Order{
		ID: id, CustomerID: customer, Items: items, Currency: "EUR", TotalCents: order.Total(items), CreatedAt: createdAt,
		ShippingAddress: order.Address{Name: "Alice Liddell", Line1: "1 Rabbit Hole", City: "Oxford", PostalCode: "OX1 1AA", Country: "GB"},
	}}
	path := map[order.Status][]order.Status{
		order.Created:       {order.Created},
		order.Paid:          {order.Created, order.Paid},
		order.Shipped:       {order.Created, order.Paid, order.Shipped},
		order.Notified:      {order.Created, order.Paid, order.Shipped, order.Notified},
		order.PaymentFailed: {order.Created, order.PaymentFailed},
		order.Cancelled:     {order.Created, order.Cancelled},
	}[status]
	require.NotEmpty(t, path, "no path to status %q", status)
	for i, s := range path {
		require.NoError(t, st.Apply(order.Change{Status: s, At: createdAt.Add(time.Duration(i) * time.Minute)}))
	}
	if status != order.Created && status != order.PaymentFailed && status != order.Cancelled {
		st.Payment = &order.Payment{ChargeID: "ch_" + id, AmountCents: st.Order.TotalCents, Currency: "EUR"}
	}
	return events.OrderState{V: codecs.Version, State: st}
}
