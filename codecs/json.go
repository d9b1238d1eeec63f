package codecs

import (
	"encoding/json"
	"errors"
	"fmt"

	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Version is the schema version this build writes and reads.
const Version = 1

// Errors a Decode may wrap; a dead letter names which one.
var (
	ErrMalformed      = errors.New("malformed record")
	ErrUnknownVersion = errors.New("unknown schema version")
	ErrInvalid        = errors.New("invalid record")
)

// Schema is a record type that can check its own content.
type Schema interface {
	Validate() error
}

// JSON is a goka codec for records of type T. Encode refuses any other type,
// so a processor that emits the wrong record to a topic fails loudly in tests
// instead of writing something its readers cannot decode.
type JSON[T Schema] struct{}

// Encode implements goka.Codec.
func (JSON[T]) Encode(value any) ([]byte, error) {
	var rec T
	switch v := value.(type) {
	case T:
		rec = v
	case *T:
		if v == nil {
			return nil, fmt.Errorf("encoding %T: nil pointer", value)
		}
		rec = *v
	default:
		return nil, fmt.Errorf("encoding %T: codec takes %T", value, rec)
	}
	if err := rec.Validate(); err != nil {
		return nil, fmt.Errorf("encoding %T: %w", rec, err)
	}
	return json.Marshal(rec)
}

// Decode implements goka.Codec.
func (JSON[T]) Decode(data []byte) (any, error) {
	return Decode[T](data)
}

// Decode reads a record of type T, checking its version and its content.
// A good record is parsed once; a bad one is parsed again to say what is
// wrong with it.
//
// Every stage decodes every record it reads, and its table entry, so the
// good records are parsed by the reference implementation of Go's
// encoding/json/v2 (experimental in the standard library up to Go 1.26),
// set to behave exactly as encoding/json: it parses in one pass instead of
// two (encoding/json checks the whole text first) and allocates a quarter
// as often, about half the time per record. What a bad record is told
// stays encoding/json's words.
func Decode[T Schema](data []byte) (T, error) {
	var rec T
	if jsonv1.Unmarshal(data, &rec) == nil && rec.Validate() == nil {
		return rec, nil
	}
	var fresh T // not what the fast parse filled in before it failed
	if err := diagnose(data, &fresh); err != nil {
		return fresh, err
	}
	// diagnose repeats what failed above; this line is never reached.
	return rec, fmt.Errorf("%w: does not decode", ErrMalformed)
}

// diagnose says why data is not a good record: not JSON, of no or of an
// unknown version, not of the record's shape, or invalid.
func diagnose[T Schema](data []byte, rec *T) error {
	var head struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if head.V == nil {
		return fmt.Errorf("%w: no schema version (field \"v\")", ErrMalformed)
	}
	if *head.V != Version {
		return fmt.Errorf("%w: %d (this build reads %d)", ErrUnknownVersion, *head.V, Version)
	}
	if err := json.Unmarshal(data, rec); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := (*rec).Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// Raw is a goka codec that passes bytes through. Processors read their
// input streams raw and decode in the callback, because goka stops a
// processor whose input codec fails, and a bad record must never do that.
//
// A record (a Schema) given to Encode is validated and written as JSON, so
// that a group may write records to a topic another group reads raw: goka's
// tester insists on one codec per topic.
type Raw struct{}

// Encode implements goka.Codec.
func (Raw) Encode(value any) ([]byte, error) {
	switch v := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case Schema:
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("encoding %T: %w", value, err)
		}
		return json.Marshal(v)
	}
	return nil, fmt.Errorf("encoding %T: raw codec takes []byte or a record", value)
}

// Decode implements goka.Codec.
func (Raw) Decode(data []byte) (any, error) {
	return data, nil
}

// CheckVersion reports whether v is the version this build writes; the
// processors' own table records use it too.
func CheckVersion(v int) error {
	if v != Version {
		return fmt.Errorf("v: version %d, want %d", v, Version)
	}
	return nil
}
