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
//   - Level 0 is compacted from 16 files on, not 4. Order ids are random,
//     so every file written from memory spans the whole key range and a
//     compaction into level 1 rewrites all of level 1; at 4 files a new
//     instance rewrote level 1 once per 16 MiB it read, at 16 once per
//     64 MiB. A new API instance at a million orders was ready in 6 s
//     instead of 10-11 s, on 40% less CPU. The bloom filters keep a lookup
//     over more level-0 files cheap (a list page's p99 stayed under 4 ms).
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
		CompactionL0Trigger:    16,
		WriteL0SlowdownTrigger: 32,
		WriteL0PauseTrigger:    64,
	}
}
