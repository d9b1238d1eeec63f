package auth

import (
	"errors"
	"net/http"
	"strings"

	"orderflow/problem"
)

// maxAuthorizationLen bounds the Authorization header: a scheme, spaces and
// a token of at most MaxTokenLen.
const maxAuthorizationLen = MaxTokenLen + 64

// Middleware lets a request through only with a valid
// "Authorization: Bearer <token>" header, and stores its Identity in the
// request context for FromContext. Other requests get 401 with a
// WWW-Authenticate challenge (RFC 6750) and a problem details body (RFC
// 9457) whose detail is the reason.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := bearerToken(r.Header)
		if err != nil {
			writeUnauthorized(w, err)
			return
		}
		id, err := v.Verify(r.Context(), raw)
		if err != nil {
			writeUnauthorized(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
}

// bearerToken extracts the token from the one Authorization header. Two
// headers are refused rather than picking one: proxies disagree on which
// wins, and that disagreement is how requests get smuggled.
func bearerToken(h http.Header) (string, error) {
	values := h.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", unauthenticated(reasonMissing, nil)
	case len(values) > 1:
		return "", unauthenticated(reasonTwoHeaders, nil)
	case len(values[0]) > maxAuthorizationLen:
		return "", unauthenticated(reasonTooLarge, nil)
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	// RFC 7235, section 2.1: the scheme is case-insensitive.
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthenticated(reasonHeader, nil)
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", unauthenticated(reasonHeader, nil)
	}
	return token, nil
}

func writeUnauthorized(w http.ResponseWriter, err error) {
	reason := reasonInvalid
	var ae *Error
	if errors.As(err, &ae) {
		reason = ae.Reason
	}
	// RFC 6750, section 3.1: a request without credentials gets a bare
	// challenge; error codes are for credentials that were wrong. Reasons
	// are constants without quotes, so they need no escaping.
	challenge := `Bearer error="invalid_token", error_description="` + reason + `"`
	if reason == reasonMissing {
		challenge = "Bearer"
	}
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Cache-Control", "no-store")
	problem.Write(w, problem.New(http.StatusUnauthorized, problem.Unauthorized, reason))
}
