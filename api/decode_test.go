package api

import (
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/order"
)

// scanBody (as checkDuplicateKeys) once read the end of every object as a
// key and panicked, which turned every POST /orders into a 500; these
// bodies walk each way an object or array can end.
func TestScanBodyFindsDuplicateKeys(t *testing.T) {
	cases := []struct{ name, body, dup string }{
		{"an empty object passes", `{}`, ""},
		{"an object with one key passes", `{"a":1}`, ""},
		{"nested objects and arrays pass", `{"a":{"b":{}},"c":[{},[],{"d":[1,{"e":null}]}],"f":"x"}`, ""},
		{"the same key in sibling objects passes", `[{"a":1},{"a":2}]`, ""},
		{"the same key at two depths passes", `{"a":{"a":1}}`, ""},
		{"a key after a nested object is still checked", `{"a":{"b":1},"a":2}`, "a"},
		{"a key after a nested array is still checked", `{"a":[1,[2]],"A":3}`, "A"},
		{"a duplicate deep in an array is found", `{"items":[{"sku":"x"},{"sku":"y","sku":"z"}]}`, "sku"},
		{"keys matched by Unicode folding are duplicates", `{"sku":1,"ſku":2}`, "ſku"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scanBody([]byte(c.body))
			if c.dup == "" {
				require.NoError(t, err)
				return
			}
			var fe *order.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, c.dup, fe.Field)
			require.Equal(t, "appears more than once", fe.Reason)
		})
	}
}
