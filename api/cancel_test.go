package api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
	"orderflow/problem"
)

func TestCancelOrder(t *testing.T) {
	cases := []struct {
		name    string
		status  order.Status
		want    int
		written bool   // a CancelRequested goes to Kafka
		message string // part of the error, for refusals
	}{
		{name: "a created order is accepted for cancelling", status: order.Created, want: http.StatusAccepted, written: true},
		{name: "a paid order is accepted for cancelling", status: order.Paid, want: http.StatusAccepted, written: true},
		{name: "a shipped order can no longer be cancelled", status: order.Shipped, want: http.StatusConflict, message: "can no longer be cancelled: it is shipped"},
		{name: "a notified order can no longer be cancelled", status: order.Notified, want: http.StatusConflict, message: "can no longer be cancelled: it is notified"},
		{name: "an order whose payment failed can no longer be cancelled", status: order.PaymentFailed, want: http.StatusConflict, message: "can no longer be cancelled: it is payment failed"},
		{name: "a cancelled order is answered 200 without writing again", status: order.Cancelled, want: http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.orders.put(stateOf(t, "ord_1", alice, c.status, testNow()))

			rec := f.serve(request(http.MethodPost, "/orders/ord_1/cancel", tokenFor(t, alice), ""))

			require.Equal(t, c.want, rec.Code, rec.Body.String())
			if c.message != "" {
				p := decodeProblem(t, rec)
				require.Contains(t, p.Detail, c.message)
				require.Equal(t, problem.Conflict, p.Code)
			} else {
				got := decodeOrder(t, rec)
				require.Equal(t, "ord_1", got.ID)
				require.Equal(t, c.status, got.Status, "the stages, not the API, change the status")
			}
			if !c.written {
				require.Empty(t, f.writer.cancelRequests())
				return
			}
			require.Equal(t, []events.CancelRequested{
				{V: codecs.Version, OrderID: "ord_1", CustomerID: alice, At: testNow()},
			}, f.writer.cancelRequests())
			require.Equal(t, testNow(), *decodeOrder(t, rec).CancelRequestedAt)
		})
	}
	t.Run("an admin's cancel is requested in the owner's name", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_1", bob, order.Paid, testNow()))

		rec := f.serve(request(http.MethodPost, "/orders/ord_1/cancel", tokenFor(t, admin, "admin"), ""))

		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		cancels := f.writer.cancelRequests()
		require.Len(t, cancels, 1)
		require.Equal(t, bob, cancels[0].CustomerID)
	})
	t.Run("Kafka being down is answered with 503 and Retry-After", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))
		f.writer.failWith(errors.New("kafka: broker not available"))

		rec := f.serve(request(http.MethodPost, "/orders/ord_1/cancel", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		require.NotEmpty(t, rec.Header().Get("Retry-After"))
		require.Equal(t, problem.Unavailable, decodeProblem(t, rec).Code)
	})
	t.Run("views that are still loading answer 503 and write nothing", func(t *testing.T) {
		f := newFixture(t)
		f.orders.put(stateOf(t, "ord_1", alice, order.Created, testNow()))
		f.orders.setReady(false)

		rec := f.serve(request(http.MethodPost, "/orders/ord_1/cancel", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.NotEmpty(t, rec.Header().Get("Retry-After"))
		require.Empty(t, f.writer.cancelRequests())
	})
	t.Run("an unknown order is not found", func(t *testing.T) {
		f := newFixture(t)

		rec := f.serve(request(http.MethodPost, "/orders/ord_unknown/cancel", tokenFor(t, alice), ""))

		require.Equal(t, http.StatusNotFound, rec.Code)
		require.Empty(t, f.writer.cancelRequests())
	})
}
