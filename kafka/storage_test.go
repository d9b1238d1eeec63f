package kafka

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A storage closed cleanly leaves (almost) nothing in LevelDB's log to
// replay at the next start, and keeps every key and its offset.
func TestStorageWritesItsChangesOutWhenClosed(t *testing.T) {
	dir := t.TempDir()
	build := StorageBuilder(dir)
	st, err := build("payment-table", 3)
	require.NoError(t, err)
	require.NoError(t, st.Open())
	for i := range 1000 {
		require.NoError(t, st.Set(fmt.Sprintf("ord_%d", i), []byte(`{"v":1,"settled":true}`)))
	}
	require.NoError(t, st.MarkRecovered())
	require.NoError(t, st.SetOffset(999))
	require.NoError(t, st.Close())

	logs, err := filepath.Glob(filepath.Join(dir, "payment-table.3", "*.log"))
	require.NoError(t, err)
	var size int64
	for _, l := range logs {
		info, err := os.Stat(l)
		require.NoError(t, err)
		size += info.Size()
	}
	require.Less(t, size, int64(256), "the log holds the last offset at most, not 1000 writes")

	st, err = build("payment-table", 3)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	v, err := st.Get("ord_999")
	require.NoError(t, err)
	require.JSONEq(t, `{"v":1,"settled":true}`, string(v))
	ok, err := st.Has(string(flushKey))
	require.NoError(t, err)
	require.False(t, ok, "the flush leaves no key behind")
	off, err := st.GetOffset(-1)
	require.NoError(t, err)
	require.Equal(t, int64(999), off)
}

// While a storage recovers, its writes wait in a batch, and the offset goka
// stores in the background never runs ahead of the records written: after
// a crash the instance would read again from records it already holds,
// never skip one.
func TestARecoveringStorageStoresNoOffsetAheadOfItsRecords(t *testing.T) {
	dir := t.TempDir()
	st, err := StorageBuilder(dir)("orders-table", 0)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	require.NoError(t, st.Open())
	value := make([]byte, 1000)

	written := func(i int) bool {
		ok, err := st.Has(fmt.Sprintf("ord_%d", i))
		require.NoError(t, err)
		return ok
	}
	handedOn := func() int64 {
		off, err := st.GetOffset(-1)
		require.NoError(t, err)
		return off
	}
	for i := range 100 {
		require.NoError(t, st.Set(fmt.Sprintf("ord_%d", i), value))
		require.NoError(t, st.SetOffset(int64(i)))
	}
	require.False(t, written(0), "100 kB wait for more")
	require.Equal(t, int64(-1), handedOn(), "no offset is stored before its record")

	i := 100
	for ; handedOn() == -1; i++ {
		require.NoError(t, st.Set(fmt.Sprintf("ord_%d", i), value))
		require.NoError(t, st.SetOffset(int64(i)))
	}
	last := handedOn()
	require.Equal(t, int64(i-1), last, "the offset of the batch's last record")
	for j := range i {
		require.True(t, written(j), "ord_%d is stored with its offset", j)
	}

	require.NoError(t, st.Set("ord_late", value))
	require.NoError(t, st.SetOffset(last+1))
	late := func() bool {
		ok, err := st.Has("ord_late")
		require.NoError(t, err)
		return ok
	}
	require.False(t, late(), "a batch's start waits")
	require.NoError(t, st.MarkRecovered())
	require.True(t, late(), "recovered: the last batch is written")

	require.NoError(t, st.Set("ord_after", value))
	ok, err := st.Has("ord_after")
	require.NoError(t, err)
	require.True(t, ok, "after the recovery writes go straight through")
}

// A storage stopped cleanly in the middle of a recovery keeps what it read,
// and its offset.
func TestARecoveryStoppedCleanlyKeepsWhatItRead(t *testing.T) {
	dir := t.TempDir()
	build := StorageBuilder(dir)
	st, err := build("orders-table", 1)
	require.NoError(t, err)
	require.NoError(t, st.Open())
	for i := range 10 {
		require.NoError(t, st.Set(fmt.Sprintf("ord_%d", i), []byte(`{"v":1}`)))
		require.NoError(t, st.SetOffset(int64(i)))
	}
	require.NoError(t, st.Delete("ord_3"))
	require.NoError(t, st.SetOffset(10))
	require.NoError(t, st.Close())

	st, err = build("orders-table", 1)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	for i := range 10 {
		ok, err := st.Has(fmt.Sprintf("ord_%d", i))
		require.NoError(t, err)
		require.Equal(t, i != 3, ok, "ord_%d", i)
	}
	off, err := st.GetOffset(-1)
	require.NoError(t, err)
	require.Equal(t, int64(10), off)
}
