package integration

import (
	"fmt"
	"testing"
	"time"

	"orderflow/internal/browsertest"
)

// TestTrackingPageInABrowser walks the tracking page in chromium against the
// real system: the steps of the API's unit test over fakes
// (internal/browsertest), here through Kafka, the stages and the view. The
// gateway answers in 6 s, so that the page sees an order before it is
// notified and a browser has the time to cancel one before it is paid; three
// charge attempts keep the retried payment under 20 s.
func TestTrackingPageInABrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	ns := startNATS(t)
	sys := startSystem(t, ns.ClientURL(), "GATEWAY_LATENCY=6s", "RETRY_ATTEMPTS=3")

	browsertest.Run(t, chromium, browsertest.System{
		Base:  sys.base,
		Token: token(t, fmt.Sprintf("page%d", time.Now().UnixNano())),
		Cards: browsertest.Cards{
			Approved:    "tok_visa",
			Declined:    "tok_decline",
			Cancellable: "tok_visa",
			Unavailable: "tok_unavailable",
		},
		Wait: 90 * time.Second,
	})
}
