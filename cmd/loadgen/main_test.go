package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadgenPrintsPercentilesAndAHistogramAndDrawsItsProgress(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NotEmpty(t, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusCreated)
	}))
	defer api.Close()
	t.Setenv("AUTH_HS256_SECRET", "loadgen-test-secret-0123456789abcdef01")
	var out, progress strings.Builder
	require.NoError(t, run(context.Background(), []string{"-url", api.URL, "-orders", "50", "-concurrency", "4"}, &out, &progress))
	require.Contains(t, out.String(), "loadgen: 50 accepted, 0 failed")
	require.Contains(t, out.String(), "p50")
	require.Regexp(t, `loadgen: +<= \d+m?s +\d+ +[0-9.]+% #+`, out.String(), "a histogram line")
	require.Contains(t, progress.String(), "[==============================] 100% 50 accepted")
}
