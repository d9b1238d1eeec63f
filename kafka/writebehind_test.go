package kafka

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lovoo/goka/storage"
	"github.com/stretchr/testify/require"
	"github.com/syndtr/goleveldb/leveldb"
)

// recovered opens a processor's storage of partition p under dir, past its
// (empty) recovery.
func recovered(t *testing.T, dir string, p int32) *localStorage {
	t.Helper()
	st, err := ProcessorStorageBuilder(dir)("payment-table", p)
	require.NoError(t, err)
	require.NoError(t, st.Open())
	require.NoError(t, st.MarkRecovered())
	return st.(*localStorage)
}

// crash drops what st holds in memory, as kill -9 would: LevelDB's own
// log is kept, the batch is not.
func crash(t *testing.T, st *localStorage) {
	t.Helper()
	require.NoError(t, st.db.Close())
}

func inLevelDB(t *testing.T, st *localStorage, key string) bool {
	t.Helper()
	_, err := st.db.Get([]byte(key), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return false
	}
	require.NoError(t, err)
	return true
}

func TestAProcessorsTableReadsWhatItHasNotWrittenYet(t *testing.T) {
	st := recovered(t, t.TempDir(), 0)
	t.Cleanup(func() { require.NoError(t, st.Close()) })

	require.NoError(t, st.Set("o1", []byte(`{"call":"charge"}`)))
	require.NoError(t, st.SetOffset(7))
	require.False(t, inLevelDB(t, st, "o1"), "gathered, not written")
	v, err := st.Get("o1")
	require.NoError(t, err)
	require.Equal(t, `{"call":"charge"}`, string(v), "the next record of the order finds it")

	require.NoError(t, st.Set("o1", []byte(`{"settled":"paid"}`)))
	v, err = st.Get("o1")
	require.NoError(t, err)
	require.Equal(t, `{"settled":"paid"}`, string(v), "the latest value")

	require.NoError(t, st.Delete("o1"))
	v, err = st.Get("o1")
	require.NoError(t, err)
	require.Nil(t, v, "a delete not written hides the value")
	ok, err := st.Has("o1")
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, st.Set("o2", []byte(`{}`)))
	it, err := st.Iterator()
	require.NoError(t, err)
	defer it.Release()
	var keys []string
	for it.Next() {
		if k := string(it.Key()); k != "__offset" {
			keys = append(keys, k)
		}
	}
	require.Equal(t, []string{"o2"}, keys, "an iterator sees what was gathered")
}

// After a crash the stored offset is never ahead of a stored value: the
// restart reads again, from the table topic, every value it lost.
func TestACrashLosesNoValueItsStoredOffsetCovers(t *testing.T) {
	dir := t.TempDir()
	st := recovered(t, dir, 1)
	value := make([]byte, 700) // a payment entry with its order
	latest := map[string]int64{}
	for i := range int64(500) {
		key := fmt.Sprintf("ord_%d", i%150) // orders written more than once
		require.NoError(t, st.Set(key, fmt.Appendf(value[:0:0], "%d%s", i, value)))
		require.NoError(t, st.SetOffset(i))
		latest[key] = i
	}
	crash(t, st)

	st2, err := ProcessorStorageBuilder(dir)("payment-table", 1)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st2.Close()) })
	require.NoError(t, st2.Open())
	stored, err := st2.GetOffset(-1)
	require.NoError(t, err)
	require.Greater(t, stored, int64(400), "batches were written as they filled")
	require.Less(t, stored, int64(499), "the last batch was lost with the crash")
	for key, at := range latest {
		if at > stored {
			continue // read again from the topic at the restart
		}
		v, err := st2.Get(key)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(at), string(v[:len(fmt.Sprint(at))]), "%s holds its value as of offset %d", key, at)
	}
}

func TestAProcessorsTableWritesItsBatchWhenClosed(t *testing.T) {
	dir := t.TempDir()
	st := recovered(t, dir, 2)
	require.NoError(t, st.Set("o1", []byte(`{"v":1}`)))
	require.NoError(t, st.SetOffset(41))
	require.NoError(t, st.Close())

	var again storage.Storage = recovered(t, dir, 2)
	t.Cleanup(func() { require.NoError(t, again.Close()) })
	v, err := again.Get("o1")
	require.NoError(t, err)
	require.Equal(t, `{"v":1}`, string(v))
	off, err := again.GetOffset(-1)
	require.NoError(t, err)
	require.Equal(t, int64(41), off)
}
