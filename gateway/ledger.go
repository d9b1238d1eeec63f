package gateway

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/storage"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// ledger is the simulated gateway's record of every charge and refund by
// idempotency key. It lives in LevelDB on disk, not in memory, so that its
// size and the gateway's start-up do not grow with the number of orders.
// Every write is synced before the gateway answers; writes of concurrent
// requests are merged by LevelDB into one journal write and share one sync
// (group commit).
type ledger struct {
	db *leveldb.DB
}

// Key prefixes: one key space per kind of entry.
const (
	chargePrefix = "c/"
	refundPrefix = "r/"
)

// entry is one ledger record.
type entry struct {
	Charge Charge `json:"charge,omitzero"`
	Amount int64  `json:"amount_cents"`
}

// openLedger opens the ledger in dir, or one in memory when dir is "".
func openLedger(dir string) (*ledger, error) {
	var db *leveldb.DB
	var err error
	if dir == "" {
		db, err = leveldb.Open(storage.NewMemStorage(), nil)
	} else {
		// A bloom filter answers "no charge yet" for a new order without
		// reading the files.
		db, err = leveldb.OpenFile(dir, &opt.Options{Filter: filter.NewBloomFilter(10)})
	}
	if err != nil {
		return nil, fmt.Errorf("opening gateway ledger: %w", err)
	}
	return &ledger{db: db}, nil
}

func (l *ledger) close() error { return l.db.Close() }

// charge returns the charge recorded under key, if any.
func (l *ledger) charge(key string) (Charge, bool, error) {
	b, err := l.db.Get([]byte(chargePrefix+key), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return Charge{}, false, nil
	}
	if err != nil {
		return Charge{}, false, fmt.Errorf("%w: reading ledger: %w", ErrUnavailable, err)
	}
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Charge{}, false, fmt.Errorf("reading ledger entry %s: %w", key, err)
	}
	return e.Charge, true, nil
}

// refunded reports whether a refund is recorded under key.
func (l *ledger) refunded(key string) (bool, error) {
	ok, err := l.db.Has([]byte(refundPrefix+key), nil)
	if err != nil {
		return false, fmt.Errorf("%w: reading ledger: %w", ErrUnavailable, err)
	}
	return ok, nil
}

// put records an entry under prefix and key and returns once it is on disk.
func (l *ledger) put(prefix, key string, e entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding ledger entry: %w", err)
	}
	if err := l.db.Put([]byte(prefix+key), b, &opt.WriteOptions{Sync: true}); err != nil {
		return fmt.Errorf("%w: writing ledger: %w", ErrUnavailable, err)
	}
	return nil
}

// count counts the entries under prefix that keep. It reads the whole
// ledger: it is for tests and benchmarks, never on a request's path.
func (l *ledger) count(prefix string, keep func(entry) bool) (int, error) {
	it := l.db.NewIterator(util.BytesPrefix([]byte(prefix)), nil)
	defer it.Release()
	n := 0
	for it.Next() {
		var e entry
		if err := json.Unmarshal(it.Value(), &e); err != nil {
			return n, fmt.Errorf("reading ledger entry %s: %w", it.Key(), err)
		}
		if keep(e) {
			n++
		}
	}
	return n, it.Error()
}
