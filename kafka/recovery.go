package kafka

import (
	"fmt"
	"sync"

	"github.com/syndtr/goleveldb/leveldb"
)

// recoveryBatchBytes is how much a recovering storage gathers before it
// writes: large enough that the per-write costs vanish, small beside
// LevelDB's write buffer.
const recoveryBatchBytes = 512 << 10

// A local storage gathers the writes of a recovery into batches.
//
// A new instance reads a table's whole topic, and goka's storage writes each
// record on its own: one LevelDB write per key, each a system call to the
// log. A view writes three keys per order (the order and two index keys),
// and at a million orders those calls were a fifth of a new API instance's
// CPU. A batch is one log record and one call.
//
// The offset goka reports is handed on only once the batch that holds its
// record is written, so the stored offset never runs ahead of the stored
// records: after a crash the instance reads again from an offset whose
// records it may hold already, and writing them again changes nothing.
// Reads do not see a batch not yet written; nobody reads a table still
// recovering for an answer that must be current.
type recovery struct {
	mu sync.Mutex
	// batch is nil once a view's storage has recovered, or once a storage
	// is closed: from then on every write goes straight to LevelDB, as
	// goka's storage does.
	batch *leveldb.Batch
	// offset is the offset of the last record in batch; pending says
	// there is one to hand on.
	offset  int64
	pending bool
	// writeBehind keeps the batch after the recovery (a processor's table,
	// writebehind.go); unwritten then holds its values for reads.
	writeBehind bool
	unwritten   map[string]unwritten
}

func (s *localStorage) Set(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batch == nil {
		return s.Storage.Set(key, value)
	}
	s.batch.Put([]byte(key), value)
	if s.unwritten != nil {
		s.unwritten[key] = unwritten{value: value}
	}
	return nil
}

func (s *localStorage) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batch == nil {
		return s.Storage.Delete(key)
	}
	s.batch.Delete([]byte(key))
	if s.unwritten != nil {
		s.unwritten[key] = unwritten{deleted: true}
	}
	return nil
}

// SetOffset is called after each record's writes; it ends a batch once the
// batch is large enough.
func (s *localStorage) SetOffset(offset int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batch == nil {
		return s.Storage.SetOffset(offset)
	}
	s.offset, s.pending = offset, true
	limit := recoveryBatchBytes
	if s.unwritten != nil {
		limit = liveBatchBytes
	}
	if len(s.batch.Dump()) < limit {
		return nil
	}
	return s.writeLocked()
}

// MarkRecovered writes what is gathered; from then on a view's writes go
// straight through, and a processor's are gathered with reads seeing them.
func (s *localStorage) MarkRecovered() error {
	if err := s.endRecovery(s.writeBehind); err != nil {
		return err
	}
	return s.Storage.MarkRecovered()
}

// endRecovery writes what is gathered and, unless keep, sends later writes
// straight through; Close calls it, so a clean stop in the middle of a
// recovery keeps what it read, and a processor's last batch is written.
func (s *localStorage) endRecovery(keep bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batch == nil {
		return nil
	}
	err := s.writeLocked()
	if keep {
		s.unwritten = map[string]unwritten{}
	} else {
		s.batch, s.unwritten = nil, nil
	}
	return err
}

// writeLocked writes the batch, then hands its last offset on.
func (s *localStorage) writeLocked() error {
	if s.batch.Len() > 0 {
		if err := s.db.Write(s.batch, nil); err != nil {
			return fmt.Errorf("writing a batch of table records: %w", err)
		}
		s.batch.Reset()
		clear(s.unwritten)
	}
	if !s.pending {
		return nil
	}
	s.pending = false
	return s.Storage.SetOffset(s.offset)
}
