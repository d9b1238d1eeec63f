package order

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on an order. They bound what a client can make the system store and
// compute, and keep every total far from int64 overflow.
const (
	MaxItems          = 100
	MaxQuantity       = 1_000
	MaxUnitPriceCents = 10_000_000 // 100,000.00 in the currency's major unit
	MaxIDLen          = 64
	MaxTextLen        = 200
)

// The times an order may be created at.
var (
	earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Currencies the shop accepts.
var currencies = map[string]bool{"EUR": true, "USD": true, "GBP": true, "CHF": true}

// FieldError names a field that is wrong and why: a field of an order, or of
// a request about orders.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// AcceptsCurrency reports whether the shop takes payment in c.
func AcceptsCurrency(c string) bool { return currencies[c] }

// Validate checks an order against the shop's rules. It reports every field
// that breaks one, not only the first, so that a client can fix a request in
// one go: the error joins one *FieldError per field, in the order of the
// fields. errors.As finds the first; FieldErrors lists them all.
func (o Order) Validate() error {
	errs := []error{checkID("id", o.ID), checkID("customer_id", o.CustomerID)}
	errs = append(errs, validateItems(o.Items)...)
	if !currencies[o.Currency] {
		errs = append(errs, &FieldError{"currency", fmt.Sprintf("%q is not one of EUR, USD, GBP, CHF", o.Currency)})
	}
	errs = append(errs, o.ShippingAddress.fieldErrors()...)
	if o.TotalCents != Total(o.Items) {
		errs = append(errs, &FieldError{"total_cents", "does not match the items"})
	}
	if o.CreatedAt.Before(earliest) || o.CreatedAt.After(latest) {
		// Any Kafka client can write an order: a time outside these years
		// is a mistake, and would sort wrongly in the customer index.
		errs = append(errs, &FieldError{"created_at", "is missing or not between the years 2000 and 2200"})
	}
	return join(errs)
}

// validateItems returns an error for each bad field of each item. Past
// MaxItems it checks no item: the one error says enough, and the list of
// errors stays bounded.
func validateItems(items []Item) []error {
	if len(items) == 0 {
		return []error{&FieldError{"items", "an order needs at least one item"}}
	}
	if len(items) > MaxItems {
		return []error{&FieldError{"items", fmt.Sprintf("at most %d items per order", MaxItems)}}
	}
	var errs []error
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		errs = append(errs, checkText(field+".sku", it.SKU, MaxIDLen))
		if it.Quantity <= 0 || it.Quantity > MaxQuantity {
			errs = append(errs, &FieldError{field + ".quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity)})
		}
		if it.UnitPriceCents < 0 || it.UnitPriceCents > MaxUnitPriceCents {
			errs = append(errs, &FieldError{field + ".unit_price_cents", fmt.Sprintf("must be between 0 and %d", MaxUnitPriceCents)})
		}
	}
	return errs
}

// Validate checks that an address has what a carrier needs, and reports
// every field that lacks it, joined like Order.Validate.
func (a Address) Validate() error { return join(a.fieldErrors()) }

func (a Address) fieldErrors() []error {
	required := []struct{ field, value string }{
		{"shipping_address.name", a.Name},
		{"shipping_address.line1", a.Line1},
		{"shipping_address.city", a.City},
		{"shipping_address.postal_code", a.PostalCode},
		{"shipping_address.country", a.Country},
	}
	var errs []error
	for _, r := range required {
		errs = append(errs, checkText(r.field, r.value, MaxTextLen))
	}
	if a.Line2 != "" {
		errs = append(errs, checkText("shipping_address.line2", a.Line2, MaxTextLen))
	}
	return errs
}

func checkID(field, id string) error {
	if err := checkText(field, id, MaxIDLen); err != nil {
		return err
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '@') {
			return &FieldError{field, "may hold only letters, digits and - _ @"}
		}
	}
	return nil
}

func checkText(field, s string, maxLen int) error {
	switch {
	case s == "":
		return &FieldError{field, "is required"}
	case utf8.RuneCountInString(s) > maxLen:
		// Characters, as the OpenAPI document's maxLength counts them
		// (JSON Schema); a byte count refused "ü" strings the document
		// allows, which schemathesis found.
		return &FieldError{field, fmt.Sprintf("is longer than %d characters", maxLen)}
	case !utf8.ValidString(s):
		return &FieldError{field, "is not valid UTF-8"}
	case strings.ContainsFunc(s, unicode.IsControl):
		// Control characters have no place in a label or an address and
		// forge lines in logs and in the carrier's systems.
		return &FieldError{field, "contains control characters"}
	}
	return nil
}

// CheckID validates an order or customer id that arrives on its own, such as
// in a URL.
func CheckID(field, id string) error { return checkID(field, id) }

// joinedErrors is errors.Join on one line: the message of an invalid order
// travels into dead-letter headers and log lines, which are read (and listed
// by `orderflow dlq`) one line per record.
type joinedErrors []error

func (e joinedErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e joinedErrors) Unwrap() []error { return e }

// join is nil when every error in errs is.
func join(errs []error) error {
	var kept joinedErrors
	for _, err := range errs {
		if err != nil {
			kept = append(kept, err)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// IsFieldError reports whether err names a bad field.
func IsFieldError(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe)
}

// FieldErrors lists every *FieldError in err, in order, however deep the
// errors that Validate and its callers joined (errors.Join) or wrapped (%w)
// put them. errors.As would find only the first.
func FieldErrors(err error) []*FieldError {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var all []*FieldError
		for _, inner := range joined.Unwrap() {
			all = append(all, FieldErrors(inner)...)
		}
		return all
	}
	if wrapped, ok := err.(interface{ Unwrap() error }); ok {
		return FieldErrors(wrapped.Unwrap())
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return []*FieldError{fe}
	}
	return nil
}
