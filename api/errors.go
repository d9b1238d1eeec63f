package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"orderflow/order"
	"orderflow/views"
)

// Error is an error with the HTTP answer it deserves. Its message is shown
// to the caller, so it must say what is wrong in words a person understands
// and leak nothing.
type Error struct {
	Status     int
	Message    string
	Field      string
	RetryAfter int // seconds, for 429 and 503
}

func (e *Error) Error() string { return e.Message }

// ErrUnavailable wraps failures to reach Kafka: the caller may retry.
var ErrUnavailable = errors.New("order system temporarily unavailable")

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// toHTTP maps an error to the answer it deserves, in one place.
func toHTTP(err error) *Error {
	var he *Error
	var fe *order.FieldError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &fe):
		return &Error{Status: http.StatusBadRequest, Message: fe.Error(), Field: fe.Field}
	case errors.Is(err, views.ErrBadCursor):
		return &Error{Status: http.StatusBadRequest, Message: "cursor: not a cursor this API handed out", Field: "cursor"}
	case errors.Is(err, ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Message: "the order system is briefly unavailable; please retry", RetryAfter: 5}
	default:
		return &Error{Status: http.StatusInternalServerError, Message: "internal error"}
	}
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: it writes the error answer and logs server
// faults once, here.
func (s *server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		he := toHTTP(err)
		if he.Status >= 500 {
			s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", he.Status, "error", err)
		}
		writeError(w, he)
	}
}

func writeError(w http.ResponseWriter, he *Error) {
	if he.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.RetryAfter))
	}
	writeJSON(w, he.Status, errorBody{Error: he.Message, Field: he.Field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
