package views

import (
	"sync"
	"sync/atomic"
)

// Changes tells whoever waits on a key that its record changed. The API's
// event streams wait on it instead of reading the view on a timer.
//
// It holds an entry only for a key someone waits on, so its size follows the
// open streams, never the number of orders. Notify never blocks the view's
// update callback: each watcher has room for one signal, and a signal sent
// while the last is still untaken merges with it, which loses nothing, since
// a watcher reads the current record whenever it wakes.
//
// The zero value is ready to use.
type Changes struct {
	// watchers is read without the lock, so that the view's callback costs
	// nothing while no one watches: recovery calls Notify for every record.
	watchers atomic.Int64
	mu       sync.Mutex
	waiting  map[string]map[chan struct{}]struct{}
}

// Watch returns a channel that receives a signal after key changes, and a
// function that ends the watch; it must be called.
func (c *Changes) Watch(key string) (changed <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting == nil {
		c.waiting = map[string]map[chan struct{}]struct{}{}
	}
	if c.waiting[key] == nil {
		c.waiting[key] = map[chan struct{}]struct{}{}
	}
	c.waiting[key][ch] = struct{}{}
	c.watchers.Add(1)
	var once sync.Once
	return ch, func() { once.Do(func() { c.unwatch(key, ch) }) }
}

func (c *Changes) unwatch(key string, ch chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.waiting[key], ch)
	if len(c.waiting[key]) == 0 {
		delete(c.waiting, key)
	}
	c.watchers.Add(-1)
}

// Notify signals everyone watching key.
func (c *Changes) Notify(key string) {
	if c.watchers.Load() == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for ch := range c.waiting[key] {
		select {
		case ch <- struct{}{}:
		default: // a signal is already pending
		}
	}
}

// Len returns how many keys are watched.
func (c *Changes) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiting)
}
