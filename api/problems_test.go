package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/problem"
)

func TestEveryInvalidFieldIsListed(t *testing.T) {
	t.Run("a new order with several mistakes names each of them, in the order of the request", func(t *testing.T) {
		f := newFixture(t)
		body := bodyWith(t, func(b map[string]any) {
			b["items"] = []any{
				map[string]any{"sku": "mug-blue", "quantity": 0, "unit_price_cents": 100},
				map[string]any{"sku": "", "quantity": 1, "unit_price_cents": -1},
			}
			b["currency"] = "XXX"
			delete(b["shipping_address"].(map[string]any), "city")
			b["payment_token"] = ""
		})
		r := request(http.MethodPost, "/orders", tokenFor(t, alice), body)
		r.Header.Set("Idempotency-Key", "key with spaces")

		rec := f.serve(r)

		require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		p := decodeProblem(t, rec)
		require.Equal(t, problem.InvalidField, p.Code)
		require.Equal(t, []problem.Field{
			{Field: "items[0].quantity", Message: "must be between 1 and 1000"},
			{Field: "items[1].sku", Message: "is required"},
			{Field: "items[1].unit_price_cents", Message: "must be between 0 and 10000000"},
			{Field: "currency", Message: `"XXX" is not one of EUR, USD, GBP, CHF`},
			{Field: "shipping_address.city", Message: "is required"},
			{Field: "payment_token", Message: "is required and at most 64 characters"},
			{Field: "Idempotency-Key", Message: "printable ASCII only"},
		}, p.Errors)
		for _, fe := range p.Errors {
			require.Contains(t, p.Detail, fe.Field+": "+fe.Message, "the detail names every field too")
		}
		require.Empty(t, f.writer.placedOrders())
	})
	t.Run("an admin naming an invalid customer gets it listed with the other fields", func(t *testing.T) {
		f := newFixture(t)
		body := bodyWith(t, func(b map[string]any) { b["customer_id"] = "not a customer"; b["currency"] = "" })

		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, admin, "admin"), body))

		require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		require.Equal(t, []string{"customer_id", "currency"}, invalidFieldNames(decodeProblem(t, rec)))
	})
}

func TestUnroutedRequestsAreProblems(t *testing.T) {
	t.Run("an unknown path is a 404 problem, without asking for a token", func(t *testing.T) {
		rec := newFixture(t).serve(request(http.MethodGet, "/nowhere", "", ""))

		require.Equal(t, http.StatusNotFound, rec.Code)
		require.Equal(t, problem.NotFound, decodeProblem(t, rec).Code)
	})
	tests := []struct {
		method, target, allow string
	}{
		{http.MethodDelete, "/orders", "GET, POST"},
		{http.MethodPut, "/orders/ord_1", "GET"},
		{http.MethodGet, "/orders/ord_1/cancel", "POST"},
		{http.MethodPost, "/healthz", "GET"},
		{http.MethodHead, "/readyz", "GET"},
		{http.MethodPost, "/openapi.json", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target+" is a 405 problem that allows "+tt.allow, func(t *testing.T) {
			rec := newFixture(t).serve(request(tt.method, tt.target, "", ""))

			require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
			require.Equal(t, tt.allow, rec.Header().Get("Allow"))
			p := decodeProblem(t, rec)
			require.Equal(t, problem.MethodNotAllowed, p.Code)
			require.True(t, strings.HasPrefix(p.Detail, tt.method+" "), p.Detail)
		})
	}
}
