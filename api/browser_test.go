package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"orderflow/internal/browsertest"
	"orderflow/web"
)

// TestTheTrackingPageInABrowser walks the tracking page in chromium against
// the API over in-memory fakes, with a fake pipeline that moves orders along
// a status every 1.5 s. It runs when ORDERFLOW_TEST_BROWSER names a chromium
// binary (`make test` sets it); the integration suite walks the same steps
// against the real system.
func TestTheTrackingPageInABrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	f := newFixture(t, func(c *Config) {
		c.Mount = map[string]http.Handler{"/track": web.Handler()}
		// Real time: the page shows when things happened.
		c.Now = time.Now
		// Streams end every 2 s, so that the walk also has the browser
		// reconnect and resume after the last event it had.
		c.Streams.Lifetime = 2 * time.Second
		c.Streams.Retry = 200 * time.Millisecond
	})
	newFakePipeline(t, f, 1500*time.Millisecond)
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)

	browsertest.Run(t, chromium, browsertest.System{
		Base:  srv.URL,
		Token: tokenFor(t, "carol"),
		Cards: browsertest.Cards{
			Approved:    cardApproved,
			Declined:    cardDeclined,
			Cancellable: cardHold,
			Unavailable: cardUnavailable,
		},
	})
}
