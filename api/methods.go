package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"orderflow/problem"
)

// methodNotAllowed answers 405 with the Allow header that RFC 9110 (section
// 15.5.6) requires. chi hands the allowed methods only to its own default
// handler, so they are looked up again here, in the same routes.
func methodNotAllowed(routes chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowed := allowedMethods(routes, routePath(r))
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, &Error{Status: http.StatusMethodNotAllowed, Code: problem.MethodNotAllowed,
			Message: r.Method + " is not allowed here; the Allow header lists what is"})
	}
}

func allowedMethods(routes chi.Routes, path string) []string {
	var allowed []string
	for _, m := range []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions,
	} {
		if routes.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

// routePath is the path chi routes by: the escaped one when the URL has it.
func routePath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}
