package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"orderflow/order"
	"orderflow/problem"
)

// maxBodyBytes bounds a request body; an order of MaxItems lines fits with
// room to spare.
const maxBodyBytes = 64 << 10

// decodeJSON reads r's body into v strictly: JSON only, bounded in size,
// valid UTF-8, one object, no duplicate keys and no unknown fields. Every
// refusal is a 4xx naming the problem: an *order.FieldError when one field
// is to blame, else an *Error.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: problem.UnsupportedMedia, Message: "send the body as application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: problem.BodyTooLarge,
				Message: fmt.Sprintf("the body is larger than %d bytes", maxBodyBytes)}
		}
		return invalidBody("the body could not be read")
	}
	return decodeBody(body, v)
}

// decodeBody is decodeJSON after the body is read, for fuzzing.
func decodeBody(body []byte, v any) error {
	if !utf8.Valid(body) {
		// encoding/json would silently replace invalid bytes with U+FFFD.
		return invalidBody("the body is not valid UTF-8")
	}
	body, err := scanBody(body)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return invalidBody("the body holds more than one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && strings.Contains(syn.Error(), "exceeded max depth"):
		// Valid JSON, but deeper than encoding/json goes (10000 levels).
		return invalidBody("the body is nested too deeply")
	case errors.As(err, &syn):
		return invalidBody(fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset))
	case errors.As(err, &typ) && typ.Field == "":
		// The body itself has the wrong type, such as an array.
		return invalidBody("the body must be " + kind(typ.Type.Kind().String()))
	case errors.As(err, &typ):
		return invalidField(typ.Field, "must be "+kind(typ.Type.Kind().String()))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidBody("the body is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalidField(field, "unknown field (id, status and totals are set by the server)")
	default:
		return invalidBody("the body could not be decoded: " + err.Error())
	}
}

func kind(k string) string {
	switch k {
	case "int64", "int", "int32":
		return "a whole number within range"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	}
	return "of another type"
}

// scanBody reads body once, token by token. It refuses an object with the
// same key twice: parsers disagree on which one wins, which attackers use
// to smuggle values past a check. Keys are compared as encoding/json
// matches them to fields, ignoring case, so "currency" and "Currency" count
// as the same key. It returns body with its whole numbers written as
// integers (wholeNumbers). One pass does both: reading tokens is most of
// what the API spends on a body.
func scanBody(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	numbers := wholeNumbers{body: body}
	// One entry per open object (the keys seen so far) or array (nil).
	var stack []map[string]bool
	expectKey := false // the next token is a key or the end of an object
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return numbers.result(), nil
		}
		if err != nil {
			return nil, jsonError(err)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, map[string]bool{})
			expectKey = true
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			expectKey = false
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if key, ok := tok.(string); ok && expectKey {
				keys := stack[len(stack)-1]
				if keys[foldKey(key)] {
					return nil, invalidField(key, "appears more than once")
				}
				keys[foldKey(key)] = true
				expectKey = false
				continue
			}
			if n, ok := tok.(json.Number); ok {
				numbers.add(n, int(dec.InputOffset()))
			}
		}
		// A value ended: inside an object, a key or its end comes next.
		expectKey = len(stack) > 0 && stack[len(stack)-1] != nil
	}
}

// foldKey maps every spelling that encoding/json would match to the same
// field (it uses Unicode simple folding, so even the Kelvin sign matches "k")
// to one string: each rune becomes the smallest rune of its folding orbit.
func foldKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// invalidBody refuses a body that is not one JSON object at all.
func invalidBody(msg string) error {
	return &Error{Status: http.StatusBadRequest, Code: problem.InvalidBody, Message: msg}
}

// invalidField refuses one field; toHTTP lists it with any others.
func invalidField(field, reason string) error {
	return &order.FieldError{Field: field, Reason: reason}
}
