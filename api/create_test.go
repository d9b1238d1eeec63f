package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
	"orderflow/problem"
)

func TestCreateOrder(t *testing.T) {
	t.Run("a valid order is written once and answered with 201 and its location", func(t *testing.T) {
		f := newFixture(t)
		// The server computes the total and owns the id: a client cannot
		// set them, so the body only says what to buy.
		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), goodBody(t)))

		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		got := decodeOrder(t, rec)
		require.NotEmpty(t, got.ID)
		require.Equal(t, "/orders/"+got.ID, rec.Header().Get("Location"))
		require.Empty(t, rec.Header().Get("Idempotent-Replayed"))
		require.Equal(t, order.Created, got.Status)
		require.Equal(t, alice, got.CustomerID)
		require.EqualValues(t, validTotal, got.TotalCents)
		require.Equal(t, []order.Change{{Status: order.Created, At: testNow()}}, got.History)

		placed := f.writer.placedOrders()
		require.Len(t, placed, 1)
		require.Equal(t, codecs.Version, placed[0].V)
		require.Equal(t, got.ID, placed[0].Order.ID)
		require.Equal(t, alice, placed[0].Order.CustomerID, "the customer comes from the token")
		require.Equal(t, testPaymentToken, placed[0].PaymentToken)
		require.EqualValues(t, validTotal, placed[0].Order.TotalCents)
		require.Equal(t, testNow(), placed[0].Order.CreatedAt)
	})
	t.Run("the payment token is neither shown nor logged", func(t *testing.T) {
		f := newFixture(t)

		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), goodBody(t)))

		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.NotContains(t, rec.Body.String(), testPaymentToken)
		require.NotContains(t, rec.Body.String(), "payment_token")
		require.Contains(t, f.logs.String(), "order accepted")
		require.NotContains(t, f.logs.String(), testPaymentToken)
	})
	t.Run("Kafka being down is answered with 503 and Retry-After, never 201", func(t *testing.T) {
		f := newFixture(t)
		f.writer.failWith(errors.New("kafka: client has run out of available brokers"))

		rec := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), goodBody(t)))

		require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		require.NotEmpty(t, rec.Header().Get("Retry-After"))
		require.Empty(t, rec.Header().Get("Location"))
		p := decodeProblem(t, rec)
		require.Equal(t, problem.Unavailable, p.Code)
		require.NotContains(t, p.Detail, "kafka", "broker details stay in the log")
		require.NotContains(t, f.logs.String(), testPaymentToken)
	})
}

func TestCreateOrderIdempotency(t *testing.T) {
	post := func(f *fixture, customer, key, body string) *http.Request {
		r := request(http.MethodPost, "/orders", tokenFor(t, customer), body)
		r.Header.Set("Idempotency-Key", key)
		return r
	}
	// caughtUp puts every order written so far into the views, as the
	// orders processor would.
	caughtUp := func(f *fixture) {
		for _, p := range f.writer.placedOrders() {
			f.orders.put(events.OrderState{V: codecs.Version, State: order.State{
				Order: p.Order, Status: order.Created, History: []order.Change{{Status: order.Created, At: p.Order.CreatedAt}},
			}})
		}
	}

	t.Run("a retry after the views caught up replays the order without writing it again", func(t *testing.T) {
		f := newFixture(t)
		first := f.serve(post(f, alice, "key-1", goodBody(t)))
		require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
		require.Len(t, f.writer.placedOrders(), 1)
		caughtUp(f)

		again := f.serve(post(f, alice, "key-1", goodBody(t)))

		require.Equal(t, http.StatusCreated, again.Code, again.Body.String())
		require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
		require.Equal(t, decodeOrder(t, first).ID, decodeOrder(t, again).ID)
		require.Equal(t, first.Header().Get("Location"), again.Header().Get("Location"))
		require.Len(t, f.writer.placedOrders(), 1, "the writer is not called again")
		require.NotContains(t, again.Body.String(), testPaymentToken)
	})
	t.Run("a retry before the views caught up writes the same order id again", func(t *testing.T) {
		// Kafka keys the record by order id, so the orders processor sees
		// the second write as the same order.
		f := newFixture(t)
		first := f.serve(post(f, alice, "key-1", goodBody(t)))
		again := f.serve(post(f, alice, "key-1", goodBody(t)))

		require.Equal(t, http.StatusCreated, again.Code, again.Body.String())
		placed := f.writer.placedOrders()
		require.Len(t, placed, 2)
		require.Equal(t, decodeOrder(t, first).ID, placed[0].Order.ID)
		require.Equal(t, placed[0].Order.ID, placed[1].Order.ID)
	})
	t.Run("the same key for a different order is refused with 422", func(t *testing.T) {
		f := newFixture(t)
		require.Equal(t, http.StatusCreated, f.serve(post(f, alice, "key-1", goodBody(t))).Code)
		caughtUp(f)
		other := bodyWith(t, func(b map[string]any) { b["currency"] = "USD" })

		rec := f.serve(post(f, alice, "key-1", other))

		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Equal(t, problem.IdempotencyKeyReused, decodeProblem(t, rec).Code)
		require.Len(t, f.writer.placedOrders(), 1)
	})
	t.Run("the same key from two customers names two orders", func(t *testing.T) {
		f := newFixture(t)
		a := f.serve(post(f, alice, "key-1", goodBody(t)))
		caughtUp(f)
		b := f.serve(post(f, bob, "key-1", goodBody(t)))

		require.Equal(t, http.StatusCreated, b.Code, b.Body.String())
		require.Empty(t, b.Header().Get("Idempotent-Replayed"))
		require.NotEqual(t, decodeOrder(t, a).ID, decodeOrder(t, b).ID)
		require.Len(t, f.writer.placedOrders(), 2)
	})
	t.Run("orders without a key get distinct ids", func(t *testing.T) {
		f := newFixture(t)
		a := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), goodBody(t)))
		b := f.serve(request(http.MethodPost, "/orders", tokenFor(t, alice), goodBody(t)))

		require.NotEqual(t, decodeOrder(t, a).ID, decodeOrder(t, b).ID)
		require.True(t, strings.HasPrefix(decodeOrder(t, a).ID, "ord_"))
	})
}
