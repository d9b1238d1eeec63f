package kafka

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/lovoo/goka/storage"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// StorageBuilder is goka's LevelDB storage builder with LevelDBOptions, in
// the same folders (path/<topic>.<partition>), whose storages batch the
// writes of a recovery and write their recent changes to table files when
// they are closed.
//
// LevelDB keeps its latest writes (up to the write buffer) in memory and
// in a log, and a database opened again replays that log, writes it out as
// a new file and compacts: 1.3-2.4 s of the restart of a stage with a
// million orders went there, with its partitions waiting. Written out at a
// clean stop, the log is empty at the next start. After kill -9 the log is
// replayed as before; nothing is lost either way.
func StorageBuilder(path string) storage.Builder {
	return storageBuilder(path, false)
}

// ProcessorStorageBuilder is StorageBuilder for a processor's table, whose
// writes are gathered into batches after its recovery too
// (writebehind.go).
func ProcessorStorageBuilder(path string) storage.Builder {
	return storageBuilder(path, true)
}

func storageBuilder(path string, writeBehind bool) storage.Builder {
	return func(topic string, partition int32) (storage.Storage, error) {
		dir := filepath.Join(path, fmt.Sprintf("%s.%d", topic, partition))
		db, err := leveldb.OpenFile(dir, LevelDBOptions())
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", dir, err)
		}
		st, err := storage.New(db)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("opening %s: %w", dir, err), db.Close())
		}
		return &localStorage{Storage: st, db: db, recovery: recovery{batch: new(leveldb.Batch), writeBehind: writeBehind}}, nil
	}
}

// localStorage is goka's LevelDB storage that batches the writes of a
// recovery (recovery.go) and writes its memory out when closed.
type localStorage struct {
	storage.Storage
	db *leveldb.DB
	recovery
}

// flushKey is written and removed again only to make LevelDB write out its
// memory: goleveldb does that before it compacts a range the memory holds.
// It sorts before every order id and index key, so the compaction after the
// flush touches only the files whose range starts at the smallest keys.
var flushKey = []byte("\x00\x00flush")

// Close writes a recovery's last batch and the recent changes out, then
// closes as goka does (which stores the partition's offset last).
func (s *localStorage) Close() error {
	err := s.endRecovery(false)
	if err == nil {
		err = s.flush()
	}
	return errors.Join(err, s.Storage.Close())
}

func (s *localStorage) flush() error {
	if err := s.db.Put(flushKey, nil, nil); err != nil {
		return fmt.Errorf("flushing storage: %w", err)
	}
	if err := s.db.CompactRange(util.Range{Start: flushKey, Limit: append(flushKey, 0)}); err != nil {
		return fmt.Errorf("flushing storage: %w", err)
	}
	if err := s.db.Delete(flushKey, nil); err != nil {
		return fmt.Errorf("flushing storage: %w", err)
	}
	return nil
}
