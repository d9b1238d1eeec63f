package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"orderflow/auth"
	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
	"orderflow/problem"
	"orderflow/tracing"
)

// Paging of GET /orders.
const (
	defaultPageSize = 20
	maxPageSize     = 100
	maxIdemKeyLen   = 128
)

// createRequest is the body of POST /orders. id, status and totals are not
// fields: the server sets them, and a body that sends them is refused as
// having unknown fields.
type createRequest struct {
	CustomerID      string        `json:"customer_id"`
	Items           []order.Item  `json:"items"`
	Currency        string        `json:"currency"`
	ShippingAddress order.Address `json:"shipping_address"`
	PaymentToken    string        `json:"payment_token"`
}

func (s *server) createOrder(w http.ResponseWriter, r *http.Request) error {
	who := identity(r)
	var req createRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	customer, err := customerFor(who, req.CustomerID)
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	o := order.Order{
		ID:              newOrderID(customer, key),
		CustomerID:      customer,
		Items:           req.Items,
		Currency:        req.Currency,
		ShippingAddress: req.ShippingAddress,
		TotalCents:      order.Total(req.Items),
		CreatedAt:       s.Now().UTC(),
	}
	// Every invalid field at once, so that a client fixes its request in
	// one round trip, in the order a person reads the request.
	if err := errors.Join(o.Validate(), checkPaymentToken(req.PaymentToken), checkIdempotencyKey(key)); err != nil {
		return err
	}
	if key != "" {
		// A view still loading might not know the first order yet; the
		// caller's retry is safe, but a 503 is the honest answer.
		if !s.Orders.Ready() {
			return notReady()
		}
		if prev, ok, err := s.Orders.Get(o.ID); err != nil {
			return err
		} else if ok {
			return s.replay(w, prev, o)
		}
	}
	tracing.SetOrder(r.Context(), o.ID)
	if err := s.Writer.PlaceOrder(r.Context(), events.OrderPlaced{V: codecs.Version, Order: o, PaymentToken: req.PaymentToken}); err != nil {
		return fmt.Errorf("%w: placing order %s: %w", ErrUnavailable, o.ID, err)
	}
	tracing.Logger(r.Context(), s.logger).Info("order accepted", "order_id", o.ID, "customer_id", customer, "total_cents", o.TotalCents, "items", len(o.Items))
	w.Header().Set("Location", "/orders/"+o.ID)
	writeJSON(w, http.StatusCreated, newOrderResponse(events.OrderState{V: codecs.Version, State: order.State{
		Order: o, Status: order.Created, History: []order.Change{{Status: order.Created, At: o.CreatedAt}},
	}}))
	return nil
}

// replay answers a retried POST with the order the first one created, or
// refuses a key reused for a different order.
func (s *server) replay(w http.ResponseWriter, prev events.OrderState, o order.Order) error {
	p := prev.Order
	if p.Currency != o.Currency || !reflect.DeepEqual(p.Items, o.Items) || p.ShippingAddress != o.ShippingAddress {
		return &Error{Status: http.StatusUnprocessableEntity, Code: problem.IdempotencyKeyReused,
			Message: "this Idempotency-Key was used for a different order"}
	}
	w.Header().Set("Location", "/orders/"+p.ID)
	w.Header().Set("Idempotent-Replayed", "true")
	writeJSON(w, http.StatusCreated, newOrderResponse(prev))
	return nil
}

func (s *server) getOrder(w http.ResponseWriter, r *http.Request) error {
	st, err := s.visibleOrder(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newOrderResponse(st))
	return nil
}

func (s *server) listOrders(w http.ResponseWriter, r *http.Request) error {
	if !s.Orders.Ready() {
		return notReady()
	}
	who := identity(r)
	q := r.URL.Query()
	limit, err := pageSize(q.Get("limit"))
	if err != nil {
		return err
	}
	cursor := q.Get("cursor")
	var page []events.OrderState
	var next string
	switch customer := q.Get("customer_id"); {
	case who.Admin && customer == "":
		page, next, err = s.Orders.ListAll(cursor, limit)
	case who.Admin || customer == "" || customer == who.CustomerID:
		if customer == "" {
			customer = who.CustomerID
		}
		if err := order.CheckID("customer_id", customer); err != nil {
			return err
		}
		page, next, err = s.Orders.ListByCustomer(customer, cursor, limit)
	default:
		return &Error{Status: http.StatusForbidden, Code: problem.Forbidden, Message: "customer_id: you may list only your own orders"}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newListResponse(page, next))
	return nil
}

func (s *server) cancelOrder(w http.ResponseWriter, r *http.Request) error {
	st, err := s.visibleOrder(r)
	if err != nil {
		return err
	}
	switch {
	case st.Status == order.Cancelled:
		writeJSON(w, http.StatusOK, newOrderResponse(st))
		return nil
	case !st.Status.Cancellable():
		return &Error{Status: http.StatusConflict, Code: problem.Conflict, Message: fmt.Sprintf("order %s can no longer be cancelled: it is %s", st.Order.ID, strings.ReplaceAll(string(st.Status), "_", " "))}
	}
	now := s.Now().UTC()
	c := events.CancelRequested{V: codecs.Version, OrderID: st.Order.ID, CustomerID: st.Order.CustomerID, At: now}
	tracing.SetOrder(r.Context(), st.Order.ID)
	if err := s.Writer.RequestCancel(r.Context(), c); err != nil {
		return fmt.Errorf("%w: cancelling order %s: %w", ErrUnavailable, st.Order.ID, err)
	}
	s.logger.Info("cancel requested", "order_id", st.Order.ID, "status", st.Status)
	if st.CancelRequestedAt == nil {
		st.CancelRequestedAt = &now
	}
	// 202: the stages decide; an order whose parcel left in the meantime
	// still ships, and its history shows the request.
	writeJSON(w, http.StatusAccepted, newOrderResponse(st))
	return nil
}

// visibleOrder returns the order named in the URL if the caller may see it.
// Someone else's order is answered exactly like a missing one, so ids cannot
// be probed.
func (s *server) visibleOrder(r *http.Request) (events.OrderState, error) {
	if !s.Orders.Ready() {
		return events.OrderState{}, notReady()
	}
	id := chi.URLParam(r, "id")
	notFound := &Error{Status: http.StatusNotFound, Code: problem.NotFound, Message: "no such order"}
	if order.CheckID("id", id) != nil {
		return events.OrderState{}, notFound
	}
	st, ok, err := s.Orders.Get(id)
	if err != nil {
		return st, err
	}
	who := identity(r)
	if !ok || (!who.Admin && st.Order.CustomerID != who.CustomerID) {
		return events.OrderState{}, notFound
	}
	return st, nil
}

// customerFor decides whose order is placed: the caller's own, or, for an
// administrator, the customer named in the body, which the order's
// validation checks like every other field.
func customerFor(who auth.Identity, bodyCustomer string) (string, error) {
	switch {
	case bodyCustomer == "" || bodyCustomer == who.CustomerID:
		return who.CustomerID, nil
	case who.Admin:
		return bodyCustomer, nil
	default:
		return "", &Error{Status: http.StatusForbidden, Code: problem.Forbidden, Message: "customer_id: you may place orders only for yourself"}
	}
}

// newOrderID derives the id from the Idempotency-Key when there is one, so a
// retried POST names the same order on any API instance; otherwise it is
// random.
func newOrderID(customer, key string) string {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	if key == "" {
		return "ord_" + strings.ToLower(rand.Text())
	}
	sum := sha256.Sum256([]byte(customer + "\x00" + key))
	return "ord_" + strings.ToLower(enc.EncodeToString(sum[:16]))
}

// checkPaymentToken checks the one field of a new order that the order
// itself does not keep.
func checkPaymentToken(token string) error {
	if token == "" || utf8.RuneCountInString(token) > order.MaxIDLen {
		return invalidField("payment_token", fmt.Sprintf("is required and at most %d characters", order.MaxIDLen))
	}
	return nil
}

func checkIdempotencyKey(key string) error {
	if len(key) > maxIdemKeyLen {
		return invalidField("Idempotency-Key", fmt.Sprintf("at most %d characters", maxIdemKeyLen))
	}
	for _, c := range []byte(key) {
		if c < 0x21 || c > 0x7e {
			return invalidField("Idempotency-Key", "printable ASCII only")
		}
	}
	return nil
}

func pageSize(v string) (int, error) {
	if v == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, invalidField("limit", fmt.Sprintf("a whole number from 1 to %d", maxPageSize))
	}
	return n, nil
}

func identity(r *http.Request) auth.Identity {
	// Authenticate runs before every order route; without an identity the
	// caller is nobody, who owns nothing.
	who, _ := auth.FromContext(r.Context())
	return who
}

func notReady() error {
	return &Error{Status: http.StatusServiceUnavailable, Code: problem.Unavailable,
		Message: "the order views are still loading; please retry", RetryAfter: 1}
}
