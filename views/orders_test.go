package views

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"orderflow/intake"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/lovoo/goka/tester"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/order"
	"orderflow/processors/orders"
	"orderflow/topology"
)

func start(t *testing.T) (*tester.Tester, *Orders) {
	t.Helper()
	tt := tester.New(t)
	proc, err := intake.NewProcessor(nil, orders.Define(orders.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), goka.WithTester(tt), goka.WithLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	view, err := NewOrders(nil, Config{}, goka.WithViewTester(tt), goka.WithViewLogger(ordertest.Quiet{}))
	require.NoError(t, err)
	ordertest.Run(t, proc)
	ordertest.Run(t, view)
	require.Eventually(t, view.Ready, 5*time.Second, time.Millisecond)
	return tt, view
}

func place(tt *tester.Tester, id, customer string, at time.Time) {
	p := ordertest.Placed(id, customer, "tok_visa")
	p.Order.CreatedAt = at
	tt.Consume(string(topology.NewOrders), id, ordertest.Bytes(p))
}

func TestOrdersView(t *testing.T) {
	tt, view := start(t)
	for i := range 7 {
		place(tt, fmt.Sprintf("a%d", i), "alice", ordertest.Epoch.Add(time.Duration(i)*time.Minute))
	}
	place(tt, "b0", "bob", ordertest.Epoch)

	t.Run("an order is found by id with its status", func(t *testing.T) {
		st, ok, err := view.Get("a3")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "alice", st.Order.CustomerID)
		require.Equal(t, "created", string(st.Status))
	})

	t.Run("an unknown id is not found", func(t *testing.T) {
		_, ok, err := view.Get("nope")
		require.NoError(t, err)
		require.False(t, ok)
	})

	t.Run("a customer's orders come newest first in pages", func(t *testing.T) {
		var got []string
		cursor := ""
		pages := 0
		for {
			page, next, err := view.ListByCustomer("alice", cursor, 3)
			require.NoError(t, err)
			for _, st := range page {
				got = append(got, st.Order.ID)
			}
			pages++
			if next == "" {
				break
			}
			cursor = next
		}
		require.Equal(t, []string{"a6", "a5", "a4", "a3", "a2", "a1", "a0"}, got)
		require.Equal(t, 3, pages)
	})

	t.Run("a customer sees none of another's orders", func(t *testing.T) {
		page, next, err := view.ListByCustomer("bob", "", 10)
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, "b0", page[0].Order.ID)
		require.Empty(t, next)
	})

	t.Run("everyone's orders are listed for administrators", func(t *testing.T) {
		page, _, err := view.ListAll("", 100)
		require.NoError(t, err)
		require.Len(t, page, 8)
	})

	t.Run("a forged cursor is refused", func(t *testing.T) {
		_, _, err := view.ListByCustomer("alice", "!!!", 3)
		require.ErrorIs(t, err, ErrBadCursor)
	})

	t.Run("a replayed order is listed once", func(t *testing.T) {
		place(tt, "b0", "bob", ordertest.Epoch)
		page, _, err := view.ListByCustomer("bob", "", 10)
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.IsType(t, events.OrderState{}, page[0])
	})
}

func TestAnUndecodableTableRecordIsLoggedAndCounted(t *testing.T) {
	var logs bytes.Buffer
	skipped := prometheus.NewCounter(prometheus.CounterOpts{Name: "skipped"})
	o := &Orders{cfg: Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Skipped: skipped}}
	s := storage.NewMemory()
	for _, bad := range [][]byte{[]byte("{not json"), []byte(`{"v":2}`)} {
		require.NoError(t, o.update(updateContext{}, s, "o1", bad), "a bad record never stops the view")
	}
	require.Equal(t, 2.0, testutil.ToFloat64(skipped))
	require.Contains(t, logs.String(), "orders table record skipped")
	require.Contains(t, logs.String(), "order_id=o1")
	var keys []string
	it, err := s.Iterator()
	require.NoError(t, err)
	for it.Next() {
		keys = append(keys, string(it.Key()))
	}
	require.Equal(t, []string{"o1"}, keys, "stored as it came, and not indexed")
}

// A record with the orders group's headers is indexed from them, without
// decoding its value.
func TestARecordIsIndexedFromItsHeaders(t *testing.T) {
	o := &Orders{cfg: Config{Logger: slog.New(slog.DiscardHandler)}}
	o.recovered.Store(true) // a view that has caught up: no goka view needed
	s := storage.NewMemory()
	h := events.IndexHeaders(order.Order{ID: "o1", CustomerID: "alice", CreatedAt: ordertest.Epoch})
	require.NoError(t, o.update(updateContext{headers: h}, s, "o1", []byte("not decoded")))
	customerKey, allKey := indexKeys("alice", "o1", ordertest.Epoch)
	for _, k := range []string{customerKey, allKey} {
		ok, err := s.Has(k)
		require.NoError(t, err)
		require.True(t, ok, "%q", k)
	}
}

// updateContext is the part of goka's UpdateContext the view reads.
type updateContext struct {
	goka.UpdateContext
	headers goka.Headers
}

func (c updateContext) Headers() goka.Headers { return c.headers }
