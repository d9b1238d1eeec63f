package api

import (
	"encoding/json"
	"strconv"
	"strings"
)

// wholeNumbers rewrites every JSON number of body that is a whole number
// written with a fraction or an exponent (1.0, 2.50e2) as the plain integer
// (1, 250). JSON Schema, and so the OpenAPI document, counts 1.0 an
// integer; encoding/json refuses it for an int field. A number that is not
// whole, or whose integer would not fit in an int64, is left as it is, for
// the decoder to refuse with the field named. scanBody hands it each
// number as it reads body.
type wholeNumbers struct {
	body []byte
	out  []byte // nil until a number is rewritten
	last int    // the end of what out holds of body
}

// add takes the number n, which ends at offset end of body; on any surprise
// it is left as it is.
func (w *wholeNumbers) add(n json.Number, end int) {
	if !strings.ContainsAny(string(n), ".eE") {
		return
	}
	whole, ok := integral(string(n))
	start := end - len(n)
	if !ok || start < w.last || end > len(w.body) || string(w.body[start:end]) != string(n) {
		return
	}
	w.out = append(append(w.out, w.body[w.last:start]...), whole...)
	w.last = end
}

// result returns body with the numbers rewritten.
func (w *wholeNumbers) result() []byte {
	if w.out == nil {
		return w.body
	}
	return append(w.out, w.body[w.last:]...)
}

// integral returns the integer a JSON number literal with a fraction or an
// exponent denotes, if it is whole and has at most 19 digits. It works on
// the digits, never on a float, so that 1.0000000000000000001 is not whole
// and 1e999999999 costs nothing.
func integral(lit string) (string, bool) {
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	mantissa, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		e, err := strconv.Atoi(lit[i+1:])
		if err != nil {
			return "", false
		}
		mantissa, exp = lit[:i], e
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	point := len(intPart) + exp - (len(intPart+frac) - len(digits)) // where the point falls in digits
	if digits == "" {
		return "0", true
	}
	const maxDigits = 19 // an int64 has at most 19
	switch {
	case point > maxDigits:
		return "", false
	case point < len(digits) && strings.Trim(digits[max(point, 0):], "0") != "":
		// A fraction remains; with point <= 0 it is all of digits, whose
		// first is not 0.
		return "", false
	}
	whole := digits[:min(point, len(digits))] + strings.Repeat("0", max(point-len(digits), 0))
	if neg {
		whole = "-" + whole
	}
	return whole, true
}
