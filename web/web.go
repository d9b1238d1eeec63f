// Package web serves the order-tracking page: one HTML page, its script and
// its stylesheet, embedded in the binary. The page calls the API from the
// browser with the customer's bearer token, so the handler itself needs no
// access to orders: it follows an order and the customer's newest orders
// through the API's event streams (EventSource on GET /orders/{id}/events
// and GET /orders/events), which push each change, and cancels with
// POST /orders/{id}/cancel. It never polls.
//
// The API mounts it at /track. Assets are referenced relatively (app.js), so
// the page must be served from a path ending in a slash: /track redirects to
// /track/.
package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// contentSecurityPolicy allows nothing but the page's own files and calls to
// its own origin: the page shows text customers typed into their orders, and
// an injected script must have nowhere to load from or send to.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

// The files are embedded one by one, so a missing file fails the build.
var (
	//go:embed static/index.html
	indexHTML []byte
	//go:embed static/app.js
	appJS []byte
	//go:embed static/app.css
	appCSS []byte
)

// asset is an embedded file ready to serve.
type asset struct {
	name        string
	contentType string
	body        []byte
	etag        string
}

// Handler returns the tracking page's handler: GET (or HEAD) / is the page,
// /app.js and /app.css its script and style; anything else is 404.
func Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(securityHeaders, middleware.GetHead)
	r.Get("/", page(newAsset("index.html", "text/html; charset=utf-8", indexHTML)))
	r.Get("/app.js", serve(newAsset("app.js", "text/javascript; charset=utf-8", appJS)))
	r.Get("/app.css", serve(newAsset("app.css", "text/css; charset=utf-8", appCSS)))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	return r
}

// page serves the HTML, first redirecting a path without its trailing slash
// (/track) to one with it (/track/), where the relative asset links resolve
// under the mount point. The fragment, which carries the order id, survives
// the redirect in the browser.
func page(a asset) http.HandlerFunc {
	file := serve(a)
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/") {
			target := path.Base(r.URL.Path) + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			// G710 is a false positive: a path segment holds no slash, and
			// the route only matches the mount point itself (/track), so the
			// target is always relative to this host (/track/).
			http.Redirect(w, r, target, http.StatusMovedPermanently) //nolint:gosec // G710: see above
			return
		}
		file(w, r)
	}
}

// serve answers with an asset. The ETag lets a browser revalidate cheaply:
// Cache-Control: no-cache makes it ask every time, so a new release is seen
// at once.
func serve(a asset) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("ETag", a.etag)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
	}
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}

func newAsset(name, contentType string, body []byte) asset {
	sum := sha256.Sum256(body)
	return asset{name: name, contentType: contentType, body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}
