package api

import (
	"encoding/json"
	"net/http"
	"time"

	"orderflow/events"
	"orderflow/order"
)

// orderResponse is an order as the API shows it. It is built field by field,
// so nothing the caller may not see (such as the payment token) can slip in.
type orderResponse struct {
	ID                string          `json:"id"`
	CustomerID        string          `json:"customer_id"`
	Status            order.Status    `json:"status"`
	Items             []order.Item    `json:"items"`
	Currency          string          `json:"currency"`
	TotalCents        int64           `json:"total_cents"`
	ShippingAddress   order.Address   `json:"shipping_address"`
	CreatedAt         time.Time       `json:"created_at"`
	History           []order.Change  `json:"history"`
	Payment           *order.Payment  `json:"payment,omitempty"`
	Shipment          *order.Shipment `json:"shipment,omitempty"`
	CancelRequestedAt *time.Time      `json:"cancel_requested_at,omitempty"`
	NotifiedAt        *time.Time      `json:"notified_at,omitempty"`
}

type listResponse struct {
	Orders     []orderResponse `json:"orders"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func newOrderResponse(st events.OrderState) orderResponse {
	o := st.Order
	return orderResponse{
		ID:                o.ID,
		CustomerID:        o.CustomerID,
		Status:            st.Status,
		Items:             o.Items,
		Currency:          o.Currency,
		TotalCents:        o.TotalCents,
		ShippingAddress:   o.ShippingAddress,
		CreatedAt:         o.CreatedAt,
		History:           st.History,
		Payment:           st.Payment,
		Shipment:          st.Shipment,
		CancelRequestedAt: st.CancelRequestedAt,
		NotifiedAt:        st.NotifiedAt,
	}
}

// writeJSON answers with v as JSON; errors go through writeError instead.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
