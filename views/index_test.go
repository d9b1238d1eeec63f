package views

import (
	"fmt"
	"testing"
	"time"

	"github.com/lovoo/goka/storage"
	"github.com/stretchr/testify/require"

	"orderflow/internal/ordertest"
)

// The index on goka's LevelDB storage, as in production: keys sort newest
// first, a page is a range scan that resumes after its cursor, and the keys
// survive the storage being closed and opened again.
func TestIndexOnLevelDB(t *testing.T) {
	dir := t.TempDir()
	open := func() storage.Storage {
		s, err := storage.DefaultBuilder(dir)("orders-table", 0)
		require.NoError(t, err)
		return s
	}
	s := open()
	for i := range 7 {
		at := ordertest.Epoch.Add(time.Duration(i) * time.Minute)
		require.NoError(t, index(s, "alice", fmt.Sprintf("a%d", i), at, false))
		require.NoError(t, index(s, "alice", fmt.Sprintf("a%d", i), at, true), "indexing again changes nothing")
		require.NoError(t, index(s, "alice", fmt.Sprintf("a%d", i), at, false), "nor without the lookup")
	}
	require.NoError(t, index(s, "alicia", "x0", ordertest.Epoch.Add(time.Hour), true))
	require.NoError(t, s.Close())
	s = open()
	t.Cleanup(func() { require.NoError(t, s.Close()) })

	var got []string
	cursor := ""
	for {
		start, limit, err := pageRange(listPrefix("alice"), cursor)
		require.NoError(t, err)
		it, err := s.IteratorWithRange([]byte(start), []byte(limit))
		require.NoError(t, err)
		var page []string
		for len(page) < 3 && it.Next() {
			page = append(page, string(it.Key()))
		}
		it.Release()
		for _, k := range page {
			got = append(got, orderID(k))
		}
		if len(page) < 3 {
			break
		}
		cursor = encodeCursor(listPrefix("alice"), page[len(page)-1])
	}
	require.Equal(t, []string{"a6", "a5", "a4", "a3", "a2", "a1", "a0"}, got, "newest first, nobody else's")
}

func TestCursorsStayInTheirRange(t *testing.T) {
	for _, bad := range []string{"!!!", encodeCursor("", "x"), encodeCursor("", "0000000000000000/../bob/1"), encodeCursor("", "0000000000000000/a\x00b")} {
		_, _, err := pageRange(listPrefix("alice"), bad)
		require.ErrorIs(t, err, ErrBadCursor, "%q", bad)
	}
}

// A crash between an order's two index keys leaves the first without the
// second; reading the order again completes it.
func TestIndexCompletesAfterACrashBetweenItsKeys(t *testing.T) {
	s := storage.NewMemory()
	customerKey, allKey := indexKeys("alice", "a1", ordertest.Epoch)
	require.NoError(t, s.Set(allKey, []byte{}))
	require.NoError(t, index(s, "alice", "a1", ordertest.Epoch, true))
	for _, k := range []string{customerKey, allKey} {
		ok, err := s.Has(k)
		require.NoError(t, err)
		require.True(t, ok, "%q", k)
	}
}
