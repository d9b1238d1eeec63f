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

// FieldError names the field of an order that is wrong and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// AcceptsCurrency reports whether the shop takes payment in c.
func AcceptsCurrency(c string) bool { return currencies[c] }

// Validate checks an order against the shop's rules and returns a
// *FieldError for the first field that breaks one.
func (o Order) Validate() error {
	if err := checkID("id", o.ID); err != nil {
		return err
	}
	if err := checkID("customer_id", o.CustomerID); err != nil {
		return err
	}
	if err := validateItems(o.Items); err != nil {
		return err
	}
	if !currencies[o.Currency] {
		return &FieldError{"currency", fmt.Sprintf("%q is not one of EUR, USD, GBP, CHF", o.Currency)}
	}
	if err := o.ShippingAddress.Validate(); err != nil {
		return err
	}
	if o.TotalCents != Total(o.Items) {
		return &FieldError{"total_cents", "does not match the items"}
	}
	if o.CreatedAt.Before(earliest) || o.CreatedAt.After(latest) {
		// Any Kafka client can write an order: a time outside these years
		// is a mistake, and would sort wrongly in the customer index.
		return &FieldError{"created_at", "is missing or not between the years 2000 and 2200"}
	}
	return nil
}

func validateItems(items []Item) error {
	if len(items) == 0 {
		return &FieldError{"items", "an order needs at least one item"}
	}
	if len(items) > MaxItems {
		return &FieldError{"items", fmt.Sprintf("at most %d items per order", MaxItems)}
	}
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		if err := checkText(field+".sku", it.SKU, MaxIDLen); err != nil {
			return err
		}
		if it.Quantity <= 0 || it.Quantity > MaxQuantity {
			return &FieldError{field + ".quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity)}
		}
		if it.UnitPriceCents < 0 || it.UnitPriceCents > MaxUnitPriceCents {
			return &FieldError{field + ".unit_price_cents", fmt.Sprintf("must be between 0 and %d", MaxUnitPriceCents)}
		}
	}
	return nil
}

// Validate checks that an address has what a carrier needs.
func (a Address) Validate() error {
	required := []struct{ field, value string }{
		{"shipping_address.name", a.Name},
		{"shipping_address.line1", a.Line1},
		{"shipping_address.city", a.City},
		{"shipping_address.postal_code", a.PostalCode},
		{"shipping_address.country", a.Country},
	}
	for _, r := range required {
		if err := checkText(r.field, r.value, MaxTextLen); err != nil {
			return err
		}
	}
	if a.Line2 != "" {
		return checkText("shipping_address.line2", a.Line2, MaxTextLen)
	}
	return nil
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
	case len(s) > maxLen:
		return &FieldError{field, fmt.Sprintf("is longer than %d bytes", maxLen)}
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

// IsFieldError reports whether err names a bad field.
func IsFieldError(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe)
}
