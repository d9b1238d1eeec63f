package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"orderflow/web"
)

// newServer mounts the page as the API does.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	r.Mount("/track", web.Handler())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path without following redirects.
func get(t *testing.T, srv *httptest.Server, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func TestPageUnderTrack(t *testing.T) {
	srv := newServer(t)

	tests := []struct {
		name         string
		path         string
		wantStatus   int
		wantLocation string
	}{
		{"/track redirects to /track/ so that app.js resolves under the mount", "/track", http.StatusMovedPermanently, "/track/"},
		{"/track keeps its query string through the redirect", "/track?lang=en", http.StatusMovedPermanently, "/track/?lang=en"},
		{"/track/ serves the page", "/track/", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, srv, tt.path, nil)
			require.Equal(t, tt.wantStatus, res.StatusCode)
			require.Equal(t, tt.wantLocation, res.Header.Get("Location"))
			if tt.wantStatus == http.StatusOK {
				require.Contains(t, body, `<script src="app.js" defer></script>`)
				require.Contains(t, body, `<link rel="stylesheet" href="app.css">`)
			}
		})
	}

	t.Run("a browser following the redirect from /track lands on the page", func(t *testing.T) {
		res, err := srv.Client().Get(srv.URL + "/track")
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "/track/", res.Request.URL.Path)
		require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	})
}

func TestFilesAndHeaders(t *testing.T) {
	srv := newServer(t)

	tests := []struct {
		path        string
		contentType string
	}{
		{"/track/", "text/html; charset=utf-8"},
		{"/track/app.js", "text/javascript; charset=utf-8"},
		{"/track/app.css", "text/css; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" is served as "+tt.contentType+" with the security headers", func(t *testing.T) {
			res, body := get(t, srv, tt.path, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.NotEmpty(t, body)
			require.Equal(t, tt.contentType, res.Header.Get("Content-Type"))
			require.Equal(t, "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "+
				"img-src 'self' data:; frame-ancestors 'none'", res.Header.Get("Content-Security-Policy"))
			require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
			require.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
		})

		t.Run(tt.path+" answers HEAD like GET, without a body", func(t *testing.T) {
			res, err := srv.Client().Head(srv.URL + tt.path)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, tt.contentType, res.Header.Get("Content-Type"))
			require.Empty(t, body)
		})

		t.Run(tt.path+" answers 304 when the browser already has it", func(t *testing.T) {
			res, _ := get(t, srv, tt.path, nil)
			etag := res.Header.Get("ETag")
			require.NotEmpty(t, etag)
			res, body := get(t, srv, tt.path, http.Header{"If-None-Match": {etag}})
			require.Equal(t, http.StatusNotModified, res.StatusCode)
			require.Empty(t, body)
		})
	}
}

func TestUnknownPathsAreNotFound(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/track/index.html", "/track/static/app.js", "/track/app.js/", "/track/orders/ord_1", "/track/../etc/passwd"} {
		t.Run(path+" is 404 and still carries the CSP", func(t *testing.T) {
			res, _ := get(t, srv, path, nil)
			require.Equal(t, http.StatusNotFound, res.StatusCode)
			require.NotEmpty(t, res.Header.Get("Content-Security-Policy"))
		})
	}
}

func TestHandlerWorksUnmounted(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/", "/app.js", "/app.css"} {
		t.Run(path+" is served by the bare handler", func(t *testing.T) {
			res, _ := get(t, srv, path, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
		})
	}
}

// fetchAll returns the page and its two files as served.
func fetchAll(t *testing.T) map[string]string {
	t.Helper()
	srv := newServer(t)
	files := map[string]string{}
	for _, name := range []string{"index.html", "app.js", "app.css"} {
		path := "/track/" + strings.TrimSuffix(name, "index.html")
		res, body := get(t, srv, path, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		files[name] = body
	}
	return files
}

func TestNothingIsLoadedFromElsewhere(t *testing.T) {
	files := fetchAll(t)
	for name, body := range files {
		t.Run(name+" contains no http(s) URL", func(t *testing.T) {
			require.NotRegexp(t, `(?i)https?://`, body)
		})
	}

	t.Run("every src and href in the page is a relative path or inline data", func(t *testing.T) {
		refs := regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(files["index.html"], -1)
		require.NotEmpty(t, refs)
		for _, ref := range refs {
			if strings.HasPrefix(ref[1], "data:") {
				continue // the empty favicon, which keeps the browser from asking /favicon.ico
			}
			require.NotContains(t, ref[1], ":", "a scheme in %q", ref[1])
			require.False(t, strings.HasPrefix(ref[1], "/"), "an absolute path in %q breaks under /track", ref[1])
		}
	})

	t.Run("the stylesheet loads no other files", func(t *testing.T) {
		require.NotRegexp(t, `@import|url\(`, files["app.css"])
	})

	t.Run("the page has no inline script or style the CSP would block", func(t *testing.T) {
		require.NotRegexp(t, `<script>|<style|\sstyle=|\son[a-z]+=`, files["index.html"])
	})
}

func TestScriptNeverParsesAPIDataAsHTML(t *testing.T) {
	js := fetchAll(t)["app.js"]
	tests := []struct {
		name    string
		pattern string
	}{
		{"the script assigns no innerHTML", `innerHTML\s*\+?=`},
		{"the script assigns no outerHTML", `outerHTML\s*\+?=`},
		{"the script calls no insertAdjacentHTML", `insertAdjacentHTML`},
		{"the script calls no document.write", `document\.write`},
		{"the script evaluates no strings", `\beval\(|new Function\(`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotRegexp(t, tt.pattern, js)
		})
	}

	t.Run("the script follows event streams and never polls", func(t *testing.T) {
		require.Contains(t, js, "new EventSource(")
		require.NotContains(t, js, "setInterval")
	})

	t.Run("the token is kept in sessionStorage, never in localStorage", func(t *testing.T) {
		require.Contains(t, js, "sessionStorage")
		require.NotContains(t, js, "localStorage")
	})
}
