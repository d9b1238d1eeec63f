// Package problem writes the error answers of orderflow's HTTP API as
// problem details (RFC 9457), so that a handler's error, a refused token and
// a rate limit all reach a client in one shape and under one media type.
//
// Every answer has the type "about:blank" and the status's own title, as
// RFC 9457 (section 4.2.1) has it for problems that need no page of their
// own; what a program branches on is the Code, which stays stable while the
// wording of Detail may change.
package problem

import (
	"encoding/json"
	"net/http"
)

// ContentType is the media type of every problem answer.
const ContentType = "application/problem+json"

// Code names what went wrong, for programs.
type Code string

// The codes the API answers with. The OpenAPI document (api/openapi.json)
// lists the same words.
const (
	InvalidBody          Code = "invalid_body"           // 400: the body is not one JSON object
	InvalidField         Code = "invalid_field"          // 400: Errors lists every invalid field
	Unauthorized         Code = "unauthorized"           // 401: no valid bearer token
	Forbidden            Code = "forbidden"              // 403: the caller may not act for that customer
	NotFound             Code = "not_found"              // 404: no such order or route
	MethodNotAllowed     Code = "method_not_allowed"     // 405: the Allow header lists what is
	Conflict             Code = "conflict"               // 409: the order's status forbids it
	BodyTooLarge         Code = "body_too_large"         // 413
	UnsupportedMedia     Code = "unsupported_media_type" // 415: the body must be application/json
	IdempotencyKeyReused Code = "idempotency_key_reused" // 422: the key named a different order
	RateLimited          Code = "rate_limited"           // 429: see Retry-After
	Internal             Code = "internal"               // 500
	Unavailable          Code = "unavailable"            // 503: see Retry-After
)

// Details is one error answer: the members of RFC 9457, section 3, and two
// of ours, Code and Errors.
type Details struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   Code   `json:"code"`
	// Errors lists every invalid field; only InvalidField has them.
	Errors []Field `json:"errors,omitempty"`
}

// Field is one invalid field of a request: a member of the body (a path
// such as "items[0].quantity"), a query parameter or a header.
type Field struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// New is the problem of the given status and code; detail says, for a
// person, what is wrong.
func New(status int, code Code, detail string) Details {
	return Details{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Code: code}
}

// Write answers with d. Headers that go with it (Retry-After, Allow,
// WWW-Authenticate) are the caller's to set before.
func Write(w http.ResponseWriter, d Details) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(d.Status)
	// The status is sent; a client gone away is not ours to report.
	_ = json.NewEncoder(w).Encode(d)
}
