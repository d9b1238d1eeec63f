package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// customer places and reads orders through the API, as a shop's checkout
// would, while the browser shows them.
type customer struct {
	base, token string
	http        *http.Client
}

func newCustomer(base, token string) *customer {
	return &customer{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// apiOrder is the part of an order the steps check.
type apiOrder struct {
	ID                string     `json:"id"`
	Status            string     `json:"status"`
	CancelRequestedAt *time.Time `json:"cancel_requested_at"`
	History           []struct {
		Status string `json:"status"`
		// At is kept as sent, to compare with what the page shows.
		At string `json:"at"`
	} `json:"history"`
}

// lastAt returns the time of the last change to status, as the API sent it.
func (o apiOrder) lastAt(status string) string {
	at := ""
	for _, c := range o.History {
		if c.Status == status {
			at = c.At
		}
	}
	return at
}

// place places an order paid with card and returns its id.
func (c *customer) place(ctx context.Context, card string) (string, error) {
	body := map[string]any{
		"items": []map[string]any{
			{"sku": "mug-blue", "quantity": 2, "unit_price_cents": 1250},
			{"sku": "tea-earl-grey-loose-leaf-250g", "quantity": 1, "unit_price_cents": 899},
		},
		"currency":      "EUR",
		"payment_token": card,
		"shipping_address": map[string]string{
			"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
			"postal_code": "SW1Y 4JH", "country": "GB",
		},
	}
	var o apiOrder
	if err := c.do(ctx, http.MethodPost, "/orders", body, http.StatusCreated, &o); err != nil {
		return "", fmt.Errorf("placing an order paid with %s: %w", card, err)
	}
	return o.ID, nil
}

// order reads an order.
func (c *customer) order(ctx context.Context, id string) (apiOrder, error) {
	var o apiOrder
	if err := c.do(ctx, http.MethodGet, "/orders/"+id, nil, http.StatusOK, &o); err != nil {
		return o, fmt.Errorf("reading order %s: %w", id, err)
	}
	return o, nil
}

func (c *customer) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s answered %d: %s", method, path, res.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}
