package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadiness(t *testing.T) {
	get := func(t *testing.T, r *readiness) (int, string) {
		t.Helper()
		w := httptest.NewRecorder()
		r.readyHandler(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		body, err := io.ReadAll(w.Result().Body)
		require.NoError(t, err)
		return w.Code, string(body)
	}

	t.Run("a process whose parts have not started is not ready", func(t *testing.T) {
		code, body := get(t, newReadiness())
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Contains(t, body, "nothing has started")
	})

	t.Run("every part that is not ready is named, in order", func(t *testing.T) {
		r := newReadiness()
		r.add("processor shipping", func() error { return errProcessorNotRunning })
		r.add("nats", func() error { return nil })
		r.add("api", func() error { return errors.New("views are still recovering") })
		code, body := get(t, r)
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Equal(t, "api: views are still recovering\nprocessor shipping: not running: recovering or restarting\n", body)
	})

	t.Run("two parts of one name both count", func(t *testing.T) {
		r := newReadiness()
		r.add("processor scheduler", func() error { return nil })
		r.add("processor scheduler", func() error { return errProcessorNotRunning })
		code, _ := get(t, r)
		require.Equal(t, http.StatusServiceUnavailable, code)
	})

	t.Run("a process whose parts are all ready says so", func(t *testing.T) {
		r := newReadiness()
		r.add("gateway", func() error { return nil })
		code, body := get(t, r)
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "ready\n", body)
	})
}
