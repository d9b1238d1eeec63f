package api

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"orderflow/order"
)

// maxSeedLen bounds the hostile bodies that seed the fuzz tests. The engine
// minimizes every new interesting input with a search quadratic in its
// length, so a mutant of a 60 KB seed stalls a 30s run; the table test sends
// the big bodies, and compactSeeds stands in for them here.
const maxSeedLen = 4 << 10

// compactSeeds are small stand-ins for the big hostile bodies: too many
// (empty) items, and deep nesting, cut short. No body under maxSeedLen nests
// past encoding/json's 10000 levels; the table test covers that.
func compactSeeds() []string {
	return []string{
		`{"items":[` + strings.Repeat(`{},`, order.MaxItems) + `{}]}`,
		`{"items":` + strings.Repeat("[", 1000),
	}
}

// FuzzDecodeCreateRequest holds decodeBody to its promise: it never panics,
// refuses with a 400 that says why, and accepts only one valid UTF-8 JSON
// value without duplicate keys, which survives a round trip.
func FuzzDecodeCreateRequest(f *testing.F) {
	f.Add([]byte(goodBody(f)))
	for _, seed := range []string{`{}`, `null`, `[]`, `{"items":[{}]}`, `{"a":{"b":[]}}`} {
		f.Add([]byte(seed))
	}
	for _, seed := range compactSeeds() {
		f.Add([]byte(seed))
	}
	for _, c := range hostileCases(f) {
		if len(c.body) <= maxSeedLen {
			f.Add([]byte(c.body))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req createRequest
		err := decodeBody(body, &req)
		if err != nil {
			he := toHTTP(err)
			require.Equal(t, http.StatusBadRequest, he.Status, "%v", err)
			require.NotEmpty(t, he.Message)
			return
		}
		require.True(t, utf8.Valid(body), "accepted invalid UTF-8")
		require.True(t, json.Valid(body), "accepted invalid JSON")
		require.Empty(t, duplicateKey(body), "accepted a duplicate key")

		encoded, err := json.Marshal(req)
		require.NoError(t, err)
		var again createRequest
		require.NoError(t, decodeBody(encoded, &again), "refused its own encoding %s", encoded)
		require.Equal(t, req, again)
	})
}

// FuzzCreateOrder sends anything to POST /orders: the answer is never a
// server error, and it is 201 only for a valid order, which is then written
// once, as sent, in the caller's name.
func FuzzCreateOrder(f *testing.F) {
	f.Add([]byte(goodBody(f)), "application/json", "")
	f.Add([]byte(goodBody(f)), "application/json; charset=utf-8", "key-1")
	for _, seed := range compactSeeds() {
		f.Add([]byte(seed), "application/json", "")
	}
	for _, c := range hostileCases(f) {
		if len(c.body) > maxSeedLen {
			continue
		}
		ct := c.contentType
		switch ct {
		case "":
			ct = "application/json"
		case noContentType:
			ct = ""
		}
		f.Add([]byte(c.body), ct, c.key)
	}
	token := tokenFor(f, alice)
	f.Fuzz(func(t *testing.T, body []byte, contentType, key string) {
		fx := newFixture(t)
		r := httptest.NewRequest(http.MethodPost, "/orders", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}

		rec := fx.serve(r)

		require.Contains(t, []int{201, 400, 403, 413, 415}, rec.Code, rec.Body.String())
		if rec.Code != http.StatusCreated {
			decodeProblem(t, rec)
			require.Empty(t, fx.writer.placedOrders())
			return
		}
		mt, _, err := mime.ParseMediaType(contentType)
		require.NoError(t, err)
		require.Equal(t, "application/json", mt)
		require.NoError(t, checkIdempotencyKey(key))
		requireValidOrderBody(t, body)

		var sent createRequest
		require.NoError(t, json.Unmarshal(body, &sent))
		placed := fx.writer.placedOrders()
		require.Len(t, placed, 1)
		require.Equal(t, alice, placed[0].Order.CustomerID)
		require.Equal(t, sent.Items, placed[0].Order.Items)
		require.Equal(t, sent.Currency, placed[0].Order.Currency)
		require.Equal(t, sent.ShippingAddress, placed[0].Order.ShippingAddress)
		require.Equal(t, sent.PaymentToken, placed[0].PaymentToken)

		var shown map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &shown))
		require.NotContains(t, shown, "payment_token")
		require.EqualValues(t, order.Total(sent.Items), shown["total_cents"])
	})
}

// requireValidOrderBody checks, apart from decodeBody, that body is what a
// created order may come from.
func requireValidOrderBody(t *testing.T, body []byte) {
	t.Helper()
	require.LessOrEqual(t, len(body), maxBodyBytes)
	require.True(t, utf8.Valid(body), "created from invalid UTF-8")
	require.True(t, json.Valid(body), "created from invalid JSON")
	require.Empty(t, duplicateKey(body), "created from a body with a duplicate key")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&createRequest{}), "created from a body with unknown fields")
}

// duplicateKey returns a key that appears twice in one object of body, as
// encoding/json matches keys to fields (ignoring case), or "". It is written
// apart from scanBody (recursive, comparing with
// strings.EqualFold) so that the fuzz tests do not hold the code to itself.
func duplicateKey(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var value func() string
	value = func() string {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				tok, err := dec.Token()
				key, ok := tok.(string)
				if err != nil || !ok {
					return ""
				}
				for _, k := range keys {
					if strings.EqualFold(k, key) {
						return key
					}
				}
				keys = append(keys, key)
				if dup := value(); dup != "" {
					return dup
				}
			}
		case json.Delim('['):
			for dec.More() {
				if dup := value(); dup != "" {
					return dup
				}
			}
		default:
			return ""
		}
		_, _ = dec.Token() // the closing delimiter
		return ""
	}
	return value()
}

// The oracle must itself find what it is for.
func TestDuplicateKeyOracle(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"a body without duplicates has none", `{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`, ""},
		{"a top-level duplicate is found", `{"a":1,"a":2}`, "a"},
		{"a duplicate inside an array is found", `{"x":[{"a":1,"b":2,"a":3}]}`, "a"},
		{"a duplicate in another case is found", `{"sku":1,"SKU":2}`, "SKU"},
		{"a duplicate spelled with the long s is found", `{"sku":1,"ſku":2}`, "ſku"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, duplicateKey([]byte(c.body)))
		})
	}
}
