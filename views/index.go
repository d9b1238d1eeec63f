package views

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrBadCursor is returned for a page cursor this index did not hand out.
var ErrBadCursor = errors.New("invalid page cursor")

// The index lives in the view's own storage (LevelDB on disk in production),
// beside the orders, as keys that sort newest first and carry no value:
//
//	\x00c/<customer>/<newest-first time>/<order id>   a customer's orders
//	\x00a/<newest-first time>/<order id>              everyone's, for administrators
//
// Order ids and customer ids never hold \x00 or '/', so an index key can be
// neither an order's key nor another customer's. A page is one range scan
// of each partition's storage, merged: its cost depends on the page size and
// the partition count, not on how many orders there are.
const (
	customerPrefix = "\x00c/"
	allPrefix      = "\x00a/"
)

// indexKeys returns the index keys of an order: in its customer's list and
// in everyone's.
func indexKeys(customer, id string, created time.Time) (customerKey, allKey string) {
	suffix := newestFirst(created) + "/" + id
	return customerPrefix + customer + "/" + suffix, allPrefix + suffix
}

// newestFirst writes t so that later times sort first, at a fixed width.
// Orders are created after 1970, so the difference is never negative.
func newestFirst(t time.Time) string {
	return fmt.Sprintf("%016x", math.MaxInt64-t.UnixNano())
}

// listPrefix is the index range of a customer's orders, or of everyone's
// when customer is allCustomers.
func listPrefix(customer string) string {
	if customer == allCustomers {
		return allPrefix
	}
	return customerPrefix + customer + "/"
}

// allCustomers asks for every customer's orders.
const allCustomers = "\x00all"

// pageRange returns the range [start, limit) of index keys for a page of
// prefix after cursor.
func pageRange(prefix, cursor string) (start, limit string, err error) {
	start = prefix
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return "", "", err
		}
		// The smallest key after the cursor's own.
		start = prefix + after + "\x00"
	}
	// prefix ends in '/'; the next byte up ends the range.
	limit = prefix[:len(prefix)-1] + string(rune(prefix[len(prefix)-1]+1))
	return start, limit, nil
}

// orderID returns the order id at the end of an index key.
func orderID(key string) string {
	return key[strings.LastIndexByte(key, '/')+1:]
}

// encodeCursor names the last key of a page by its part after the prefix,
// so that a cursor only ever moves within the caller's own range.
func encodeCursor(prefix, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.TrimPrefix(key, prefix)))
}

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	ts, id, ok := strings.Cut(string(b), "/")
	if !ok || len(ts) != 16 || id == "" || strings.ContainsAny(id, "/\x00") {
		return "", ErrBadCursor
	}
	return string(b), nil
}
