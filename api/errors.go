package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"orderflow/order"
	"orderflow/problem"
	"orderflow/views"
)

// Error is an error with the HTTP answer it deserves. Its message is shown
// to the caller, so it must say what is wrong in words a person understands
// and leak nothing.
type Error struct {
	Status  int
	Code    problem.Code
	Message string
	// Fields are the invalid fields of an InvalidField answer.
	Fields     []problem.Field
	RetryAfter int // seconds, for 429 and 503
}

func (e *Error) Error() string { return e.Message }

// ErrUnavailable wraps failures to reach Kafka: the caller may retry.
var ErrUnavailable = errors.New("order system temporarily unavailable")

// toHTTP maps an error to the answer it deserves, in one place. A wrong
// field is an *order.FieldError wherever it was found, in the body, the
// query or a header; every one of them in err is listed.
func toHTTP(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	if fields := order.FieldErrors(err); len(fields) > 0 {
		return invalidFields(fields)
	}
	switch {
	case errors.Is(err, views.ErrBadCursor):
		return invalidFields([]*order.FieldError{{Field: "cursor", Reason: "not a cursor this API handed out"}})
	case errors.Is(err, ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: problem.Unavailable,
			Message: "the order system is briefly unavailable; please retry", RetryAfter: 5}
	default:
		return &Error{Status: http.StatusInternalServerError, Code: problem.Internal, Message: "internal error"}
	}
}

// invalidFields is the 400 that lists every invalid field; its message
// names them all too, for a person reading only the detail.
func invalidFields(fields []*order.FieldError) *Error {
	he := &Error{Status: http.StatusBadRequest, Code: problem.InvalidField}
	msgs := make([]string, len(fields))
	for i, fe := range fields {
		he.Fields = append(he.Fields, problem.Field{Field: fe.Field, Message: fe.Reason})
		msgs[i] = fe.Error()
	}
	he.Message = strings.Join(msgs, "; ")
	return he
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

// writeError answers with he as problem details (RFC 9457).
func writeError(w http.ResponseWriter, he *Error) {
	if he.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.RetryAfter))
	}
	d := problem.New(he.Status, he.Code, he.Message)
	d.Errors = he.Fields
	problem.Write(w, d)
}
