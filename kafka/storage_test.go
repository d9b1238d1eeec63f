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
