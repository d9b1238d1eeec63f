package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/order"
)

// noContentType in a hostileCase sends no Content-Type header.
const noContentType = "-"

// hostileCase is a POST /orders a client may send by mistake or on purpose,
// and the 4xx it deserves.
type hostileCase struct {
	name        string
	contentType string // "" means application/json
	key         string // Idempotency-Key
	body        string
	status      int
	field       string // the first invalid field listed; "" when no one field is to blame
	message     string // part of the error message
}

func (c hostileCase) request(token string) *http.Request {
	r := request(http.MethodPost, "/orders", token, c.body)
	switch c.contentType {
	case "":
		r.Header.Set("Content-Type", "application/json")
	case noContentType:
		r.Header.Del("Content-Type")
	default:
		r.Header.Set("Content-Type", c.contentType)
	}
	if c.key != "" {
		r.Header.Set("Idempotency-Key", c.key)
	}
	return r
}

// hostileCases are shared by the table test and the fuzz tests' seeds.
func hostileCases(t testing.TB) []hostileCase {
	good := goodBody(t)
	with := func(change func(b map[string]any)) string { return bodyWith(t, change) }
	// replace edits the JSON text, for what a map cannot express.
	replace := func(old, with string) string {
		require.Contains(t, good, old)
		return strings.Replace(good, old, with, 1)
	}
	item := func(quantity any) func(map[string]any) {
		return func(b map[string]any) {
			b["items"] = []any{map[string]any{"sku": "mug-blue", "quantity": quantity, "unit_price_cents": 100}}
		}
	}
	address := func(field string, value any) func(map[string]any) {
		return func(b map[string]any) {
			a := b["shipping_address"].(map[string]any)
			if value == nil {
				delete(a, field)
				return
			}
			a[field] = value
		}
	}
	nested := func(depth int) string {
		return `{"items":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
	}
	const bad = http.StatusBadRequest
	return []hostileCase{
		{name: "a body over 64 KiB", body: with(address("name", strings.Repeat("a", maxBodyBytes))), status: http.StatusRequestEntityTooLarge, message: "larger than"},
		{name: "a form body", contentType: "application/x-www-form-urlencoded", body: "items=1", status: http.StatusUnsupportedMediaType, message: "application/json"},
		{name: "JSON labelled as text", contentType: "text/plain", body: good, status: http.StatusUnsupportedMediaType, message: "application/json"},
		{name: "a body without a content type", contentType: noContentType, body: good, status: http.StatusUnsupportedMediaType, message: "application/json"},
		{name: "invalid JSON", body: `{"items": [}`, status: bad, message: "not valid JSON"},
		{name: "an empty body", body: "", status: bad, message: "empty"},
		{name: "a body cut short", body: good[:len(good)/2], status: bad, message: "cut short"},
		{name: "100000 nested arrays in a field", body: nested(100_000), status: http.StatusRequestEntityTooLarge, message: "larger than"},
		{name: "30000 nested arrays in a field", body: nested(30_000), status: bad, message: "nested too deeply"},
		{name: "a quantity of 1e40", body: replace(`"quantity":2`, `"quantity":1e40`), status: bad, field: "items.quantity", message: "whole number"},
		{name: "a quantity of 99999999999999999999", body: replace(`"quantity":2`, `"quantity":99999999999999999999`), status: bad, field: "items.quantity", message: "whole number"},
		{name: "a fractional quantity", body: with(item(1.5)), status: bad, field: "items.quantity", message: "whole number"},
		{name: "a negative quantity", body: with(item(-1)), status: bad, field: "items[0].quantity", message: "between 1 and 1000"},
		{name: "a zero quantity", body: with(item(0)), status: bad, field: "items[0].quantity", message: "between 1 and 1000"},
		{name: "a quantity over the maximum", body: with(item(order.MaxQuantity + 1)), status: bad, field: "items[0].quantity", message: "between 1 and 1000"},
		{name: "a negative price", body: replace(`"unit_price_cents":500`, `"unit_price_cents":-500`), status: bad, field: "items[1].unit_price_cents", message: "between 0 and"},
		{name: "a price over the maximum", body: replace(`"unit_price_cents":500`, `"unit_price_cents":10000001`), status: bad, field: "items[1].unit_price_cents", message: "between 0 and"},
		{name: "a quantity spelled out", body: with(item("two")), status: bad, field: "items.quantity", message: "whole number"},
		{name: "items as an object", body: with(func(b map[string]any) { b["items"] = map[string]any{"sku": "mug-blue"} }), status: bad, field: "items", message: "must be an array"},
		{name: "a currency as a number", body: with(func(b map[string]any) { b["currency"] = 978 }), status: bad, field: "currency", message: "must be a string"},
		{name: "an array instead of an object", body: `[` + good + `]`, status: bad, message: "the body must be an object"},
		{name: "null", body: `null`, status: bad, field: "items", message: "required"},
		{name: "a duplicate top-level key", body: replace(`"currency":"EUR"`, `"currency":"EUR","currency":"USD"`), status: bad, field: "currency", message: "more than once"},
		{name: "a duplicate key in an item", body: replace(`"quantity":2,`, `"quantity":2,"quantity":1,`), status: bad, field: "quantity", message: "more than once"},
		{name: "a duplicate key in the address", body: replace(`"city":"Oxford"`, `"city":"Oxford","city":"Paris"`), status: bad, field: "city", message: "more than once"},
		{name: "a duplicate key in another case", body: replace(`"currency":"EUR"`, `"currency":"EUR","Currency":"USD"`), status: bad, field: "Currency", message: "more than once"},
		{name: "a duplicate key spelled with an escape", body: replace(`"currency":"EUR"`, `"currency":"EUR","\u0063urrency":"USD"`), status: bad, field: "currency", message: "more than once"},
		{name: "invalid UTF-8 in a string", body: replace("Oxford", "Ox\xffford"), status: bad, message: "UTF-8"},
		{name: "a status", body: with(func(b map[string]any) { b["status"] = "paid" }), status: bad, field: "status", message: "unknown field"},
		{name: "a total", body: with(func(b map[string]any) { b["total_cents"] = 1 }), status: bad, field: "total_cents", message: "unknown field"},
		{name: "an id", body: with(func(b map[string]any) { b["id"] = "ord_mine" }), status: bad, field: "id", message: "unknown field"},
		{name: "an unknown field in an item", body: replace(`"quantity":2,`, `"quantity":2,"discount_cents":2500,`), status: bad, field: "discount_cents", message: "unknown field"},
		{name: "too many items", body: with(manyItems(order.MaxItems + 1)), status: bad, field: "items", message: "at most 100 items"},
		{name: "no items", body: with(func(b map[string]any) { b["items"] = []any{} }), status: bad, field: "items", message: "at least one item"},
		{name: "an unknown currency", body: with(func(b map[string]any) { b["currency"] = "XXX" }), status: bad, field: "currency", message: "is not one of"},
		{name: "an over-long name", body: with(address("name", strings.Repeat("n", order.MaxTextLen+1))), status: bad, field: "shipping_address.name", message: "longer than 200"},
		{name: "an over-long sku", body: replace(`"sku":"mug-blue"`, `"sku":"`+strings.Repeat("s", order.MaxIDLen+1)+`"`), status: bad, field: "items[0].sku", message: "longer than 64"},
		{name: "an address without a city", body: with(address("city", nil)), status: bad, field: "shipping_address.city", message: "is required"},
		{name: "no shipping address", body: with(func(b map[string]any) { delete(b, "shipping_address") }), status: bad, field: "shipping_address.name", message: "is required"},
		{name: "two JSON values", body: good + good, status: bad, message: "more than one JSON value"},
		{name: "no payment token", body: with(func(b map[string]any) { delete(b, "payment_token") }), status: bad, field: "payment_token", message: "required"},
		{name: "an over-long payment token", body: with(func(b map[string]any) { b["payment_token"] = strings.Repeat("t", 65) }), status: bad, field: "payment_token", message: "at most 64"},
		{name: "an Idempotency-Key with a control character", key: "key\x01one", body: good, status: bad, field: "Idempotency-Key", message: "printable ASCII"},
		{name: "an Idempotency-Key with a non-ASCII letter", key: "schlüssel", body: good, status: bad, field: "Idempotency-Key", message: "printable ASCII"},
		{name: "an Idempotency-Key over 128 characters", key: strings.Repeat("k", maxIdemKeyLen+1), body: good, status: bad, field: "Idempotency-Key", message: "at most 128"},
	}
}

func manyItems(n int) func(map[string]any) {
	return func(b map[string]any) {
		items := make([]any, n)
		for i := range items {
			items[i] = map[string]any{"sku": fmt.Sprintf("sku-%d", i), "quantity": 1, "unit_price_cents": 100}
		}
		b["items"] = items
	}
}

func TestCreateOrderRefusesHostileBodies(t *testing.T) {
	for _, c := range hostileCases(t) {
		t.Run(c.name+" is refused with "+strconv.Itoa(c.status), func(t *testing.T) {
			f := newFixture(t)

			rec := f.serve(c.request(tokenFor(t, alice)))

			require.Equal(t, c.status, rec.Code, rec.Body.String())
			body := decodeProblem(t, rec)
			require.Contains(t, body.Detail, c.message)
			if c.field == "" {
				require.Empty(t, body.Errors)
			} else {
				require.Equal(t, c.field, invalidFieldNames(body)[0], "%+v", body.Errors)
			}
			// A person reads the message: no Go types, no parser jargon.
			require.NotContains(t, body.Detail, "json:")
			require.NotContains(t, body.Detail, "Go ")
			require.Empty(t, f.writer.placedOrders())
		})
	}
	t.Run("a body of exactly the limit is read, not refused as too large", func(t *testing.T) {
		f := newFixture(t)
		// Pad with whitespace, which JSON ignores, up to the limit.
		body := goodBody(t)
		body += strings.Repeat(" ", maxBodyBytes-len(body))

		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), body))

		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	})
}
