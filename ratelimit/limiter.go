package ratelimit

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// DefaultMaxKeys is the cap on remembered keys when Config.MaxKeys is zero.
// At about 150 bytes a key it bounds the limiter to a few MiB.
const DefaultMaxKeys = 20_000

// idleEvictionsPerKey bounds the work a new key does evicting idle ones;
// more than one, so that idle keys leave faster than new ones arrive.
const idleEvictionsPerKey = 4

// Config sets the limits; cmd/ builds it from flags.
type Config struct {
	// Rate is how many requests per second a key may make in the long run.
	Rate float64
	// Burst is how many requests a key may make at once; at least 1.
	Burst int
	// MaxKeys caps the keys remembered; DefaultMaxKeys when zero.
	MaxKeys int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Limiter decides, per key, whether a request may proceed. It is safe for
// concurrent use.
type Limiter struct {
	interval time.Duration // between two requests at Rate
	window   time.Duration // interval * Burst: how far a key may run ahead
	maxKeys  int
	now      func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *entry
	lru  *list.List               // most recently used at the front
}

// entry is one key's bucket. tat, the theoretical arrival time, is when the
// key's bucket will be full again; a key may make a request while tat is
// less than window ahead of now.
type entry struct {
	key string
	tat time.Time
}

// New returns a Limiter for cfg.
func New(cfg Config) (*Limiter, error) {
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("validating rate limit config: %w", err)
	}
	interval := time.Duration(math.Round(float64(time.Second) / cfg.Rate))
	return &Limiter{
		interval: interval,
		window:   interval * time.Duration(cfg.Burst),
		maxKeys:  cfg.MaxKeys,
		now:      cfg.Now,
		keys:     make(map[string]*list.Element),
		lru:      list.New(),
	}, nil
}

func (cfg Config) validate() error {
	// Below one request a century the interval overflows; above one a
	// nanosecond it rounds to zero.
	if math.IsNaN(cfg.Rate) || cfg.Rate < 1e-9 || cfg.Rate > 1e9 {
		return fmt.Errorf("rate %v is outside [1e-9, 1e9] per second", cfg.Rate)
	}
	if cfg.Burst < 1 {
		return fmt.Errorf("burst %d is less than 1", cfg.Burst)
	}
	interval := float64(time.Second) / cfg.Rate
	if interval*float64(cfg.Burst) > float64(math.MaxInt64/2) {
		return errors.New("burst divided by rate is too long a window")
	}
	if cfg.MaxKeys < 1 {
		return fmt.Errorf("max keys %d is less than 1", cfg.MaxKeys)
	}
	return nil
}

// Allow takes a token from key's bucket. When the bucket is empty it returns
// false and how long until a token is back.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key, now)
	tat := e.tat
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval)
	if wait := next.Sub(now) - l.window; wait > 0 {
		return false, wait
	}
	e.tat = next
	return true, 0
}

// Len returns how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// entry returns key's bucket, making room for it if it is new.
func (l *Limiter) entry(key string, now time.Time) *entry {
	if el, ok := l.keys[key]; ok {
		l.lru.MoveToFront(el)
		return el.Value.(*entry)
	}
	l.evictIdle(now)
	if len(l.keys) >= l.maxKeys {
		// Forgetting a busy key hands it a fresh burst. That only happens
		// under more distinct callers than MaxKeys, where bounded memory
		// matters more than that key's limit.
		l.remove(l.lru.Back())
	}
	e := &entry{key: key, tat: now}
	l.keys[key] = l.lru.PushFront(e)
	return e
}

// evictIdle drops a few least recently used keys whose buckets are full:
// forgetting them changes no decision.
func (l *Limiter) evictIdle(now time.Time) {
	for range idleEvictionsPerKey {
		back := l.lru.Back()
		if back == nil || back.Value.(*entry).tat.After(now) {
			return
		}
		l.remove(back)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.keys, el.Value.(*entry).key)
	l.lru.Remove(el)
}
