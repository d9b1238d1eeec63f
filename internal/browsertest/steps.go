package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

type step struct {
	name string
	run  func(t *testing.T)
}

func (w *walk) steps() []step {
	return []step{
		{"a deep link without a token asks for one and sends nothing to the API", w.deepLink},
		{"the order reaches notified on the page without a reload or a poll", w.reachNotified},
		{"a declined card ends payment failed, at the time of the outcome", w.declinedCard},
		{"a new order appears in My orders by itself and is cancelled from the page", w.cancelOrder},
		{"a cancel during payment retries ends payment failed, in those words", w.cancelDuringRetries},
		{"every order fits a 390 px wide phone", w.phone},
		{"the page only ever opened streams and sent cancels, in one load", w.streamsOnly},
	}
}

// place places an order and waits until the API can show it: a new order
// takes a moment to reach the API's views, and a page opened earlier would
// be told it does not exist (which the page retries, but then reads it).
func (w *walk) place(t *testing.T, card string) string {
	t.Helper()
	id, err := w.customer.place(context.Background(), card)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := w.customer.order(context.Background(), id)
		return err == nil
	}, w.sys.Wait, 50*time.Millisecond, "order %s never became readable", id)
	return id
}

func (w *walk) order(t *testing.T, id string) apiOrder {
	t.Helper()
	o, err := w.customer.order(context.Background(), id)
	require.NoError(t, err)
	return o
}

func (w *walk) deepLink(t *testing.T) {
	w.notified = w.place(t, w.sys.Cards.Approved)
	w.do(t, chromedp.Navigate(w.sys.Base+"/track/#"+w.notified))
	w.waitFor(t, "the page to ask for a token",
		`document.querySelector('#order-message').textContent.includes('Paste your access token')`)
	// Whatever the page would send on its own, it sends at once.
	time.Sleep(time.Second)
	require.Empty(t, w.sent(), "a request without a token can only be refused")
	require.Equal(t, w.notified, evaluate[string](t, w, `document.querySelector('#order-id').value`), "the link fills in the order")
	// A reload would forget this; the last step looks for it.
	evaluate[chromedp.Void](t, w, `window.orderflowLoadedOnce = true`)
	w.screenshot(t, "01-deep-link-asks-for-a-token")
}

func (w *walk) reachNotified(t *testing.T) {
	// Every status the badge shows, in order.
	evaluate[chromedp.Void](t, w, `(() => {
		const badge = document.querySelector('#order-status');
		window.orderflowShown = [];
		new MutationObserver(() => window.orderflowShown.push(badge.textContent))
			.observe(badge, { childList: true, characterData: true, subtree: true });
	})()`)
	// Pasted, as a customer does with a token; typed, it takes seconds.
	w.do(t,
		chromedp.SetValue(chromedp.CSS("#token"), w.sys.Token),
		chromedp.Click(chromedp.CSS(`#track-form button[type="submit"]`)),
	)
	w.waitStatus(t, "Notified")

	shown := slices.Compact(evaluate[[]string](t, w, `window.orderflowShown`))
	require.GreaterOrEqual(t, len(shown), 2, "the page showed the order before it was notified, and then the change: %q", shown)
	require.Equal(t, "Notified", shown[len(shown)-1])
	require.Equal(t, []string{"Created", "Paid", "Shipped", "Notified"}, w.stepTitles(t, ".step--done"))
	require.Contains(t, w.text(t, "#order-refresh"), "Final status")
	require.Contains(t, w.text(t, "#carrier"), "simulated-post")
	require.Contains(t, w.sent(), "GET /orders/"+w.notified+"/events")
	w.noPolls(t)
	w.screenshot(t, "02-notified")
}

func (w *walk) declinedCard(t *testing.T) {
	w.declined = w.place(t, w.sys.Cards.Declined)
	w.open(t, w.declined)
	w.waitStatus(t, "Payment failed")

	require.Equal(t, "The payment did not go through.", w.text(t, ".step--failed .step__text"))
	require.NotEmpty(t, w.text(t, ".step--failed .step__reason"), "the reason is shown")
	require.Empty(t, w.text(t, "#order-notice"), "no cancel was asked for, so there is nothing to explain")
	require.Empty(t, w.text(t, "#cancel-row"), "a failed order cannot be cancelled")
	require.Equal(t, w.order(t, w.declined).lastAt("payment_failed"), w.failureTime(t))
	w.screenshot(t, "03-payment-failed")
}

func (w *walk) cancelOrder(t *testing.T) {
	w.cancelled = w.place(t, w.sys.Cards.Cancellable)
	item := `#mine li[data-order-id="` + w.cancelled + `"]`
	w.waitFor(t, "the new order in My orders", `document.querySelector(`+js(item)+`) !== null`)
	w.do(t, chromedp.Click(chromedp.CSS(item+" button")))
	w.waitFor(t, "the order on the page", `document.querySelector('#order-id-view').textContent === `+js(w.cancelled))
	w.do(t, chromedp.Click(chromedp.CSS("#cancel"))) // the confirm dialog is accepted
	w.waitStatus(t, "Cancelled")

	require.Equal(t, "The order was cancelled.", w.text(t, ".step--failed .step__text"))
	require.NotContains(t, w.text(t, "#order-notice"), "parcel")
	w.waitFor(t, "My orders to show the cancellation",
		`document.querySelector(`+js(item+" .badge")+`).textContent === 'Cancelled'`)
	w.screenshot(t, "04-cancelled")
}

func (w *walk) cancelDuringRetries(t *testing.T) {
	if w.sys.Cards.Unavailable == "" {
		t.Skip("no card whose payment is retried")
	}
	w.retried = w.place(t, w.sys.Cards.Unavailable)
	w.open(t, w.retried)
	w.do(t, chromedp.Click(chromedp.CSS("#cancel")))
	w.waitFor(t, "the cancel request on the page", `document.querySelector('#order-notice').textContent.includes('Waiting for confirmation')`)
	w.waitStatus(t, "Payment failed")

	notice := w.text(t, "#order-notice")
	require.Contains(t, notice, "while the payment was being tried. It did not go through")
	require.NotContains(t, notice, "parcel", "nothing was shipped")
	o := w.order(t, w.retried)
	require.NotNil(t, o.CancelRequestedAt)
	shown := w.failureTime(t)
	require.Equal(t, o.lastAt("payment_failed"), shown)
	at, err := time.Parse(time.RFC3339Nano, shown)
	require.NoError(t, err)
	require.True(t, at.After(*o.CancelRequestedAt), "the failure shown is the final outcome, after the cancel, not the first attempt")
	w.screenshot(t, "05-cancel-during-payment-retries")
}

func (w *walk) phone(t *testing.T) {
	w.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for i, id := range []string{w.notified, w.declined, w.cancelled, w.retried} {
		if id == "" {
			continue
		}
		w.open(t, id)
		sizes := evaluate[map[string]int](t, w, `({
			scroll: document.documentElement.scrollWidth,
			client: document.documentElement.clientWidth,
		})`)
		require.LessOrEqual(t, sizes["scroll"], 390, "order %s overflows a 390 px screen (%v); too wide: %q", id, sizes, w.tooWide(t))
		require.LessOrEqual(t, sizes["scroll"], sizes["client"], "order %s scrolls sideways (%v); too wide: %q", id, sizes, w.tooWide(t))
		w.screenshot(t, fmt.Sprintf("%02d-phone-390px-%s", 6+i, w.order(t, id).Status))
	}
}

func (w *walk) streamsOnly(t *testing.T) {
	require.True(t, evaluate[bool](t, w, `window.orderflowLoadedOnce === true`), "the page was reloaded")
	w.noPolls(t)
	cancels := regexp.MustCompile(`^POST /orders/[^/]+/cancel$`)
	for _, r := range w.sent() {
		if !strings.HasSuffix(r, "/events") {
			require.Regexp(t, cancels, r, "a request other than a stream or a cancel")
		}
	}
}

// noPolls fails if the page read an order or a list. It follows streams; it
// reads only to learn why the API refused one, which a healthy system does
// not, since every step opens an order only once the API knows it.
func (w *walk) noPolls(t *testing.T) {
	t.Helper()
	for _, r := range w.sent() {
		if strings.HasPrefix(r, "GET ") {
			require.True(t, strings.HasSuffix(r, "/events"), "the page read %s instead of following its stream", r)
		}
	}
}

// tooWide names the elements that reach past 390 px, innermost first, to
// say what to fix.
func (w *walk) tooWide(t *testing.T) []string {
	t.Helper()
	return evaluate[[]string](t, w, `[...document.querySelectorAll('body *')]
		.filter((n) => n.getBoundingClientRect().right > 390.5)
		.reverse().slice(0, 8)
		.map((n) => n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + (n.className ? '.' + String(n.className).split(' ').join('.') : '') +
			' ' + Math.round(n.getBoundingClientRect().right) + 'px')`)
}

// stepTitles returns the titles of the timeline's steps that match class.
func (w *walk) stepTitles(t *testing.T, class string) []string {
	t.Helper()
	return evaluate[[]string](t, w, `[...document.querySelectorAll(`+js("#timeline "+class+" .step__title")+`)].map((n) => n.textContent)`)
}

// failureTime returns the time the failed step shows, as the API sent it.
func (w *walk) failureTime(t *testing.T) string {
	t.Helper()
	return evaluate[string](t, w, `document.querySelector('.step--failed time').dateTime`)
}
