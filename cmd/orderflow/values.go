package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// secret is a string that prints masked, so that neither help, nor the
// start-up line, nor a %v of a config can show it.
type secret string

func (s secret) String() string { return mask(string(s)) }

// Set implements flag.Value.
func (s *secret) Set(v string) error { *s = secret(v); return nil }

// mask hides a secret's value, but not whether it is set.
func mask(s string) string {
	if s == "" {
		return ""
	}
	return "*****"
}

// brokers is a comma-separated list of Kafka brokers.
type brokers []string

func (b *brokers) String() string {
	if b == nil {
		return ""
	}
	return strings.Join(*b, ",")
}

// Set implements flag.Value; a value replaces the default rather than adding
// to it.
func (b *brokers) Set(v string) error {
	*b = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*b = append(*b, s)
		}
	}
	return nil
}

// narrowInt is a flag of an integer type narrower than int, from min up to
// the type's largest value. Anything else is refused: a conversion would
// wrap it silently, and -kafka-partitions 4294967297 would create topics of
// 1 partition.
type narrowInt[T int16 | int32] struct {
	p   *T
	min T
}

func (n narrowInt[T]) String() string {
	if n.p == nil {
		return "0"
	}
	return strconv.FormatInt(int64(*n.p), 10)
}

// Get implements flag.Getter.
func (n narrowInt[T]) Get() any { return *n.p }

// Set implements flag.Value.
func (n narrowInt[T]) Set(v string) error {
	bits := reflect.TypeFor[T]().Bits()
	i, err := strconv.ParseInt(v, 10, bits)
	if err != nil || i < int64(n.min) {
		return fmt.Errorf("want a whole number from %d to %d", n.min, int64(1)<<(bits-1)-1)
	}
	*n.p = T(i)
	return nil
}
