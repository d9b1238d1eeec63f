package browsertest

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// walk is one customer's walk through the page, in one tab.
type walk struct {
	sys      System
	ctx      context.Context
	shots    string
	customer *customer

	mu sync.Mutex
	// requests are the page's requests to the API, as "METHOD /path".
	requests []string

	// The orders the steps placed, by how they end.
	notified, declined, cancelled, retried string
}

// watchRequests records every request the page sends to the API, so that
// the steps can tell a stream from a poll.
func (w *walk) watchRequests(t *testing.T) {
	t.Helper()
	sent := chromedp.Events(w.ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			u, err := url.Parse(ev.Request.URL)
			if err != nil || !strings.HasPrefix(u.Path, "/orders") {
				continue
			}
			w.mu.Lock()
			w.requests = append(w.requests, ev.Request.Method+" "+u.Path)
			w.mu.Unlock()
		}
	}()
}

// sent returns the requests the page has sent to the API so far.
func (w *walk) sent() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.requests...)
}

// acceptDialogs says yes to every window.confirm, as a customer who means
// to cancel does.
func (w *walk) acceptDialogs() {
	dialogs := chromedp.Events(w.ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(w.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

// do runs actions within the walk's wait.
func (w *walk) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, w.sys.Wait)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// waitFor waits until the JavaScript expression is true.
func (w *walk) waitFor(t *testing.T, what, expression string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, w.sys.Wait+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expression,
		chromedp.WithPollingTimeout(w.sys.Wait), chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(t, err, "waiting for %s", what)
}

// evaluate returns the value of a JavaScript expression.
func evaluate[T any](t *testing.T, w *walk, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, w.sys.Wait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	require.NoError(t, err, "evaluating %s", expression)
	return v
}

// text returns the text of the first element the CSS selector finds, or ""
// if it finds none or the element is hidden.
func (w *walk) text(t *testing.T, selector string) string {
	t.Helper()
	return evaluate[string](t, w, `(() => {
		const node = document.querySelector(`+js(selector)+`);
		return node && !node.closest('[hidden]') ? node.textContent.trim() : '';
	})()`)
}

// open shows an order the way a link does: by the fragment of the page.
func (w *walk) open(t *testing.T, id string) {
	t.Helper()
	evaluate[chromedp.Void](t, w, `location.hash = encodeURIComponent(`+js(id)+`)`)
	w.waitFor(t, "order "+id+" on the page",
		`document.querySelector('#order-id-view').textContent === `+js(id)+` && !document.querySelector('#order').hidden`)
}

// waitStatus waits until the tracked order's badge says label.
func (w *walk) waitStatus(t *testing.T, label string) {
	t.Helper()
	w.waitFor(t, "the status "+label,
		`!document.querySelector('#order').hidden && document.querySelector('#order-status').textContent === `+js(label))
}

// screenshot saves the whole page as name.png.
func (w *walk) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, w.sys.Wait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.shots, name+".png"), png, 0o600))
}

// js is s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
