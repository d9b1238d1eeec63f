// Package browsertest walks the order-tracking page in a real browser,
// Debian's chromium driven through chromedp, as a customer would: a deep link
// before any token, an order followed to notified without a reload, a
// declined card, a cancel, a cancel during payment retries, and a 390 px
// wide phone. It saves a screenshot of each.
//
// The API's unit test runs these steps against in-memory fakes and the
// integration test against the real system, so that both hold the page to
// the same behaviour.
package browsertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The environment of the browser tests.
const (
	// BrowserEnv names the chromium binary; without it the tests skip.
	BrowserEnv = "ORDERFLOW_TEST_BROWSER"
	// ScreenshotsEnv names the folder the screenshots go to; without it
	// they go to a new temporary folder, which the test names in its log.
	ScreenshotsEnv = "ORDERFLOW_TEST_SCREENSHOTS"
)

// System is the system under test, as the steps see it.
type System struct {
	// Base is the API's URL; the page is at Base + "/track/".
	Base string
	// Token is a bearer token of a customer with no orders yet.
	Token string
	// Cards are payment tokens whose outcomes the system under test knows.
	Cards Cards
	// Wait bounds each wait for the page; default 60 s.
	Wait time.Duration
}

// Cards are the payment tokens the steps pay with.
type Cards struct {
	// Approved is paid, shipped and notified, slowly enough that the
	// page sees the order before it is notified.
	Approved string
	// Declined ends payment_failed at the first attempt.
	Declined string
	// Cancellable stays cancellable long enough to cancel it from the
	// page, and ends cancelled when cancelled.
	Cancellable string
	// Unavailable ends payment_failed once its retries run out, long
	// enough after it is placed to ask for a cancel meanwhile, which does
	// not stop it.
	Unavailable string
}

// Chromium returns the browser that BrowserEnv names, or skips the test.
func Chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv(BrowserEnv)
	if path == "" {
		t.Skipf("%s is not set; `make test` sets it to Debian's chromium", BrowserEnv)
	}
	return path
}

// Run walks the page in one browser tab, one subtest per step, in order:
// later steps use the orders and the page that earlier ones left.
func Run(t *testing.T, chromium string, sys System) {
	if sys.Wait == 0 {
		sys.Wait = 60 * time.Second
	}
	ctx := newBrowser(t, chromium)
	w := &walk{sys: sys, ctx: ctx, shots: screenshotDir(t), customer: newCustomer(sys.Base, sys.Token)}
	w.watchRequests(t)
	w.acceptDialogs()
	for _, step := range w.steps() {
		if !t.Run(step.name, step.run) {
			t.FailNow() // the later steps stand on this one
		}
	}
}

// newBrowser starts chromium headless and returns the context of its tab,
// closed when the test ends.
func newBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.WindowSize(1280, 900),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox; CI runs as root.
		// The page under test is our own.
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx), "starting %s", chromium)
	return ctx
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "orderflow-screenshots-")
		require.NoError(t, err)
	}
	// G703: the folder is the one the person running the tests named.
	require.NoError(t, os.MkdirAll(dir, 0o750)) //nolint:gosec // G703: see above
	t.Logf("screenshots in %s", dir)
	return dir
}
