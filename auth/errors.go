package auth

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// ErrUnauthenticated is wrapped by every error that Verify and the
// middleware report, so that callers map them to 401 with errors.Is without
// caring why the token was refused.
var ErrUnauthenticated = errors.New("unauthenticated")

// Error explains why a request could not be authenticated.
type Error struct {
	// Reason is a short phrase, safe to send to the client, such as
	// "token has expired".
	Reason string
	// Err is the underlying cause, for operators; it may be nil.
	Err error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "unauthenticated: " + e.Reason
	}
	return "unauthenticated: " + e.Reason + ": " + e.Err.Error()
}

// Unwrap lets errors.Is match both ErrUnauthenticated and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnauthenticated}
	}
	return []error{ErrUnauthenticated, e.Err}
}

func unauthenticated(reason string, cause error) *Error {
	return &Error{Reason: reason, Err: cause}
}

// The reasons a client may read. They stay vague about keys and algorithms
// on purpose: a client needs to know what to fix, an attacker nothing more.
const (
	reasonMissing      = "missing bearer token"
	reasonHeader       = "authorization header must be Bearer followed by a token"
	reasonTwoHeaders   = "more than one authorization header"
	reasonTooLarge     = "token is too large"
	reasonMalformed    = "token is malformed"
	reasonSignature    = "token signature is invalid"
	reasonExpired      = "token has expired"
	reasonNotYetValid  = "token is not valid yet"
	reasonIssuer       = "token has the wrong issuer"
	reasonAudience     = "token has the wrong audience"
	reasonMissingClaim = "token is missing a required claim"
	reasonType         = "token has an unsupported type"
	reasonCritical     = "token has unsupported critical headers"
	reasonCustomerID   = "token subject is not a valid customer id"
	reasonUnknownKey   = "token signing key is unknown"
	reasonInvalid      = "token is invalid"
)

// jwtReasons maps the library's errors to reasons. Order matters when a token
// fails several checks at once: time is reported first because it is the
// failure an honest client most often meets.
var jwtReasons = []struct {
	err    error
	reason string
}{
	{jwt.ErrTokenExpired, reasonExpired},
	{jwt.ErrTokenNotValidYet, reasonNotYetValid},
	{jwt.ErrTokenUsedBeforeIssued, reasonNotYetValid},
	{jwt.ErrTokenInvalidIssuer, reasonIssuer},
	{jwt.ErrTokenInvalidAudience, reasonAudience},
	{jwt.ErrTokenRequiredClaimMissing, reasonMissingClaim},
	{jwt.ErrTokenSignatureInvalid, reasonSignature},
	{jwt.ErrTokenUnverifiable, reasonSignature},
	{jwt.ErrTokenMalformed, reasonMalformed},
}

// classify turns an error from the jwt parser into an *Error, keeping any
// *Error our key function returned.
func classify(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	for _, r := range jwtReasons {
		if errors.Is(err, r.err) {
			return unauthenticated(r.reason, err)
		}
	}
	return unauthenticated(reasonInvalid, err)
}
