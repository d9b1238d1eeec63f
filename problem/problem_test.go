package problem_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/problem"
)

func TestWrite(t *testing.T) {
	t.Run("a problem is sent as application/problem+json with the RFC 9457 members", func(t *testing.T) {
		rec := httptest.NewRecorder()

		problem.Write(rec, problem.New(http.StatusNotFound, problem.NotFound, "no such order"))

		require.Equal(t, http.StatusNotFound, rec.Code)
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		require.JSONEq(t, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such order","code":"not_found"}`,
			rec.Body.String())
	})
	t.Run("invalid fields are listed under errors", func(t *testing.T) {
		rec := httptest.NewRecorder()
		d := problem.New(http.StatusBadRequest, problem.InvalidField, "currency: is required; items: is required")
		d.Errors = []problem.Field{{Field: "currency", Message: "is required"}, {Field: "items", Message: "is required"}}

		problem.Write(rec, d)

		require.JSONEq(t, `{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_field",
			"detail":"currency: is required; items: is required",
			"errors":[{"field":"currency","message":"is required"},{"field":"items","message":"is required"}]}`,
			rec.Body.String())
	})
}
