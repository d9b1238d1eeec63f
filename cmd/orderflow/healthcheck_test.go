package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// healthcheck runs `orderflow healthcheck` with METRICS_ADDR set to addr.
func healthcheck(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	getenv := func(k string) string { return map[string]string{"METRICS_ADDR": addr}[k] }
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"healthcheck"}, args...), getenv, &out, io.Discard)
	return out.String(), err
}

// serviceWith serves ready's /readyz as the metrics address does.
func serviceWith(t *testing.T, ready *readiness) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", ready.readyHandler)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestHealthcheck(t *testing.T) {
	t.Run("a ready service passes, asked on loopback when it listens on every interface", func(t *testing.T) {
		r := newReadiness()
		r.add("processor orders", func() error { return nil })
		addr := serviceWith(t, r)
		_, port, _ := strings.Cut(addr, ":")
		out, err := healthcheck(t, "0.0.0.0:"+port)
		require.NoError(t, err)
		require.Equal(t, "ready: http://127.0.0.1:"+port+"/readyz\n", out)
	})

	t.Run("a service that is not ready fails with its reasons on one line", func(t *testing.T) {
		r := newReadiness()
		r.add("api", func() error { return errors.New("views are still recovering") })
		r.add("nats", func() error { return errors.New("not connected (RECONNECTING)") })
		_, err := healthcheck(t, serviceWith(t, r))
		require.ErrorContains(t, err, "503 Service Unavailable: api: views are still recovering; nats: not connected (RECONNECTING)")
		require.NotContains(t, err.Error(), "\n")
	})

	t.Run("a service that does not answer in time fails", func(t *testing.T) {
		stuck := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-stuck:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(stuck)
		start := time.Now()
		_, err := healthcheck(t, "", "-url", srv.URL+"/readyz", "-timeout", "100ms")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), 5*time.Second)
	})

	t.Run("nothing listening fails", func(t *testing.T) {
		_, err := healthcheck(t, "127.0.0.1:1")
		require.ErrorContains(t, err, "not ready")
	})

	t.Run("a service with no metrics address cannot be checked", func(t *testing.T) {
		_, err := healthcheck(t, "127.0.0.1:9090", "-metrics-addr=")
		require.ErrorContains(t, err, "METRICS_ADDR is empty")
	})
}

func TestHealthcheckTarget(t *testing.T) {
	for _, tt := range []struct{ addr, url, want string }{
		{"0.0.0.0:9090", "", "http://127.0.0.1:9090/readyz"},
		{":9090", "", "http://127.0.0.1:9090/readyz"},
		{"[::]:9090", "", "http://127.0.0.1:9090/readyz"},
		{"127.0.0.1:9191", "", "http://127.0.0.1:9191/readyz"},
		{"[::1]:9090", "", "http://[::1]:9090/readyz"},
		{"api:9090", "", "http://api:9090/readyz"},
		{"0.0.0.0:9090", "http://127.0.0.1:8080/readyz", "http://127.0.0.1:8080/readyz"},
	} {
		t.Run(tt.addr+" "+tt.url, func(t *testing.T) {
			got, err := healthcheckConfig{MetricsAddr: tt.addr, URL: tt.url}.target()
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := healthcheckConfig{MetricsAddr: "9090"}.target()
	require.ErrorContains(t, err, "METRICS_ADDR")
}
