package kafka

import (
	"github.com/lovoo/goka/storage"
)

// liveBatchBytes is how much a processor's storage gathers before it writes,
// once recovered: about a hundred table writes of a stage, which a crash
// makes the next start read again from the table's topic.
const liveBatchBytes = 64 << 10

// A processor's local table is a cache of its table topic, and it keeps
// gathering writes into batches after its recovery too (write-behind).
//
// goka writes each table value to LevelDB when the callback sets it, and
// the value's offset when the broker has the record: two LevelDB writes,
// each a system call to LevelDB's log, for every table write, about ten
// per order over the three stages and eight more in the orders group.
// Gathered, they are one write per batch.
//
// The values not yet written are kept beside the batch, and reads see them
// first: the callback of an order's next record must find what the last one
// set. The offset is written after the batch that holds the values before
// it, so the stored offset never runs ahead of the stored values, as in a
// recovery. A crash loses the batch not yet written, values and offset
// together, and the next start reads them again from the table topic
// before it processes anything: the topic holds every value whose input
// was committed, since goka commits a record only once its table write is
// on the broker, and a partition's records only in order (inorder.go).
// A clean stop, or a partition that moves, writes the batch at Close.
//
// Views keep writing straight through: the API scans their index with
// iterators, which would not see a batch. (A processor's join tables and
// lookups would be written behind as well; orderflow has none.)

// unwritten is a value set or deleted and not yet written to LevelDB.
type unwritten struct {
	value   []byte
	deleted bool
}

// pendingLocked answers a read from the values not yet written; ok is false
// when the key has none.
func (s *localStorage) pendingLocked(key string) (value []byte, ok bool) {
	w, ok := s.unwritten[key]
	if !ok {
		return nil, false
	}
	if w.deleted {
		return nil, true
	}
	return w.value, true
}

func (s *localStorage) Get(key string) ([]byte, error) {
	s.mu.Lock()
	value, ok := s.pendingLocked(key)
	s.mu.Unlock()
	if ok {
		return value, nil
	}
	return s.Storage.Get(key)
}

func (s *localStorage) Has(key string) (bool, error) {
	s.mu.Lock()
	value, ok := s.pendingLocked(key)
	s.mu.Unlock()
	if ok {
		return value != nil, nil
	}
	return s.Storage.Has(key)
}

// Iterator writes what is gathered first: an iterator reads LevelDB only.
// goka's processors iterate only in visits, which orderflow has none of.
func (s *localStorage) Iterator() (storage.Iterator, error) {
	if err := s.writePending(); err != nil {
		return nil, err
	}
	return s.Storage.Iterator()
}

// IteratorWithRange writes what is gathered first, as Iterator does.
func (s *localStorage) IteratorWithRange(start, limit []byte) (storage.Iterator, error) {
	if err := s.writePending(); err != nil {
		return nil, err
	}
	return s.Storage.IteratorWithRange(start, limit)
}

func (s *localStorage) writePending() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batch == nil {
		return nil
	}
	return s.writeLocked()
}
