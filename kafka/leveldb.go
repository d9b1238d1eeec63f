package kafka

import (
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// LevelDBOptions are the options of every local table copy: one LevelDB per
// partition of a group table or view, each kept on disk across restarts.
//
//   - A bloom filter answers "no such key" without reading the files: most
//     lookups are of orders a table has not seen yet (a new order, an index
//     key not written yet), and without it each one reads a block per level.
//   - No block cache. Without one, goleveldb keeps each open file's index
//     and bloom filter in memory, decoded; with a small one (2 MiB) they were
//     evicted by data blocks, and every lookup decompressed an index block
//     per level again: 38% of a new API instance's CPU at a million orders.
//     Data blocks come from the operating system's page cache, which keeps
//     the hot files in memory anyway.
//   - Fewer open files than goleveldb's default (500 per database): a
//     process holds one database per partition and table, 30 of them in
//     `orderflow all`.
//   - Writes are not slowed before 32 level-0 files, nor stopped before 64
//     (goleveldb: 8 and 12). A new instance that has just read a million
//     records leaves compaction work behind, and with the defaults its first
//     writes after a restart waited for that work to be done; the bloom
//     filters keep reads over more level-0 files cheap.
//   - Reads never start compactions. goleveldb counts lookups that visit
//     more than one file and rewrites files that draw too many; under a
//     steady rate of reads that rewriting ran beside the reads and made
//     their slowest one a hundred times the typical.
func LevelDBOptions() *opt.Options {
	return &opt.Options{
		Filter:                 filter.NewBloomFilter(10),
		DisableBlockCache:      true,
		WriteBuffer:            4 * opt.MiB,
		OpenFilesCacheCapacity: 64,
		DisableSeeksCompaction: true,
		WriteL0SlowdownTrigger: 32,
		WriteL0PauseTrigger:    64,
	}
}
