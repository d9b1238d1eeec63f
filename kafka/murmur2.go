package kafka

import (
	"encoding/binary"
	"hash"
)

// murmur2 is Kafka's partitioning hash: the 32-bit MurmurHash2 with the seed
// and mixing of org.apache.kafka.common.utils.Utils.murmur2.
type murmur2 struct {
	buf []byte
}

// NewMurmur2 returns a hash.Hash32 for goka's WithHasher and sarama's
// NewCustomHashPartitioner that places keys exactly where the Java client's
// default partitioner does: (murmur2(key) & 0x7fffffff) % partitions. Sum32
// already clears the sign bit, so goka's and sarama's own abs-then-modulo
// arithmetic yields the Java partition.
func NewMurmur2() hash.Hash32 { return &murmur2{} }

func (m *murmur2) Write(p []byte) (int, error) {
	m.buf = append(m.buf, p...)
	return len(p), nil
}

func (m *murmur2) Sum(b []byte) []byte {
	s := m.Sum32()
	return binary.BigEndian.AppendUint32(b, s)
}

func (m *murmur2) Reset()         { m.buf = m.buf[:0] }
func (m *murmur2) Size() int      { return 4 }
func (m *murmur2) BlockSize() int { return 4 }

func (m *murmur2) Sum32() uint32 { return Murmur2(m.buf) & 0x7fffffff }

// Murmur2 is the raw hash of Kafka's Utils.murmur2, sign bit included.
func Murmur2(data []byte) uint32 {
	const (
		seed = 0x9747b28c
		mul  = 0x5bd1e995
		r    = 24
	)
	n := len(data)
	// Kafka's hash mixes in the length as a 32-bit int; a record is far
	// below 4 GiB.
	h := uint32(seed) ^ uint32(n) //nolint:gosec // see above
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= mul
		k ^= k >> r
		k *= mul
		h *= mul
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= mul
	}
	h ^= h >> 13
	h *= mul
	h ^= h >> 15
	return h
}

// Partition returns the partition Kafka's Java client picks for key.
func Partition(key string, partitions int32) int32 {
	return int32(Murmur2([]byte(key))&0x7fffffff) % partitions
}
