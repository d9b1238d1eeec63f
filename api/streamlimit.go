package api

import (
	"net/http"
	"sync"

	"orderflow/problem"
)

// streamLimit bounds the open event streams, per customer and in all. A
// stream holds a connection and a goroutine for minutes, which the rate
// limits, counting requests, do not see. It keeps an entry only for a
// customer with a stream open.
type streamLimit struct {
	perCustomer, total int

	mu   sync.Mutex
	open map[string]int
	all  int
}

func newStreamLimit(perCustomer, total int) *streamLimit {
	return &streamLimit{perCustomer: perCustomer, total: total, open: map[string]int{}}
}

// acquire counts a new stream of customer's, or refuses it with 429; the
// caller calls release when the stream ends.
func (l *streamLimit) acquire(customer string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[customer] >= l.perCustomer || l.all >= l.total {
		return nil, &Error{Status: http.StatusTooManyRequests, Code: problem.RateLimited,
			Message: "too many open event streams; close one, or retry later", RetryAfter: 5}
	}
	l.open[customer]++
	l.all++
	var once sync.Once
	return func() { once.Do(func() { l.release(customer) }) }, nil
}

func (l *streamLimit) release(customer string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all--
	if l.open[customer]--; l.open[customer] <= 0 {
		delete(l.open, customer)
	}
}
