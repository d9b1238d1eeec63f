package views

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// allCustomers is the index key under which every order is listed too.
const allCustomers = "\x00all"

// ErrBadCursor is returned for a page cursor this index did not hand out.
var ErrBadCursor = errors.New("invalid page cursor")

type entry struct {
	id        string
	createdAt time.Time
}

// newer orders entries newest first, by id among orders of the same instant,
// so that pages are stable.
func newer(a, b entry) int {
	if c := b.createdAt.Compare(a.createdAt); c != 0 {
		return c
	}
	return strings.Compare(b.id, a.id)
}

// customerIndex lists each customer's orders, newest first.
type customerIndex struct {
	mu        sync.RWMutex
	customers map[string][]entry
}

func newCustomerIndex() *customerIndex {
	return &customerIndex{customers: map[string][]entry{}}
}

func (x *customerIndex) add(customer string, e entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, key := range []string{customer, allCustomers} {
		list := x.customers[key]
		i, found := slices.BinarySearchFunc(list, e, newer)
		if !found {
			x.customers[key] = slices.Insert(list, i, e)
		}
	}
}

// page returns the ids after cursor and the cursor of the following page.
func (x *customerIndex) page(customer, cursor string, limit int) ([]string, string, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	list := x.customers[customer]
	start := 0
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		i, found := slices.BinarySearchFunc(list, after, newer)
		if found {
			i++
		}
		start = i
	}
	end := min(start+limit, len(list))
	ids := make([]string, 0, end-start)
	for _, e := range list[start:end] {
		ids = append(ids, e.id)
	}
	next := ""
	if end < len(list) && end > start {
		next = encodeCursor(list[end-1])
	}
	return ids, next, nil
}

func encodeCursor(e entry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(e.createdAt.UnixNano(), 10) + "|" + e.id))
}

func decodeCursor(s string) (entry, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return entry{}, fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	ts, id, ok := strings.Cut(string(b), "|")
	nanos, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return entry{}, ErrBadCursor
	}
	return entry{id: id, createdAt: time.Unix(0, nanos)}, nil
}
