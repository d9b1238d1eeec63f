package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Health probes are logged at debug, every other request at info.
func TestProbesAreLoggedAtDebug(t *testing.T) {
	f := newFixture(t)
	f.serve(request(http.MethodGet, "/healthz", "", ""))
	require.Contains(t, f.logs.String(), `level=DEBUG msg="http request" method=GET path=/healthz status=200`)

	f.orders.setReady(false)
	f.serve(request(http.MethodGet, "/readyz", "", ""))
	require.Contains(t, f.logs.String(), `level=DEBUG msg="http request" method=GET path=/readyz status=503`, "a 503 is the probe's answer too")

	f.serve(request(http.MethodGet, "/orders/ord_1", tokenFor(t, "alice"), ""))
	require.Contains(t, f.logs.String(), `level=INFO msg="http request" method=GET path=/orders/ord_1`)
}
