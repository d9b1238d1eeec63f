package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// NewServer exposes a Simulated gateway over HTTP, so that several payment
// instances share one gateway as they would share a real one: a charge made
// by an instance that then crashed is still known to its successor.
//
//	POST /charges  ChargeRequest -> Charge   (503 while unavailable)
//	POST /refunds  RefundRequest             (204)
//	GET  /stats    {"charges": n, "refunds": n, "requests": n}
func NewServer(g *Simulated) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /charges", func(w http.ResponseWriter, r *http.Request) {
		var req ChargeRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || req.IdempotencyKey == "" {
			http.Error(w, "bad charge request", http.StatusBadRequest)
			return
		}
		c, err := g.Charge(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	mux.HandleFunc("POST /refunds", func(w http.ResponseWriter, r *http.Request) {
		var req RefundRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || req.IdempotencyKey == "" {
			http.Error(w, "bad refund request", http.StatusBadRequest)
			return
		}
		if err := g.Refund(r.Context(), req); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st, err := g.Stats()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	return mux
}

// Stats counts what a gateway did.
type Stats struct {
	Charges  int `json:"charges"`  // approved charges, one per idempotency key
	Refunds  int `json:"refunds"`  // refunds, one per idempotency key
	Requests int `json:"requests"` // charge requests answered, repeats included
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Client is a gateway reached over HTTP. Timeouts, connection failures and
// 5xx answers are ErrUnavailable, which the payment stage retries; any other
// failure is final.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// NewClient returns a client for the gateway at baseURL. Payment has many
// calls out at once (IN_FLIGHT); Go's default transport keeps two idle
// connections per host and would open and close one for nearly every call.
func NewClient(baseURL string) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 1024
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Timeout: 5 * time.Second, Transport: t}}
}

// Charge implements the payment stage's gateway.
func (c *Client) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	var ch Charge
	err := c.post(ctx, "/charges", req, &ch)
	return ch, err
}

// Refund implements the payment stage's gateway.
func (c *Client) Refund(ctx context.Context, req RefundRequest) error {
	return c.post(ctx, "/refunds", req, nil)
}

// Stats asks the gateway what it did.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/stats", nil)
	if err != nil {
		return s, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func (c *Client) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding gateway request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("building gateway request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode >= 500:
		return fmt.Errorf("%w: %s: %s", ErrUnavailable, resp.Status, bytes.TrimSpace(msg))
	case resp.StatusCode >= 300:
		return fmt.Errorf("gateway refused %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	case out != nil:
		if err := json.Unmarshal(msg, out); err != nil {
			return fmt.Errorf("%w: decoding answer: %w", ErrUnavailable, err)
		}
	}
	return nil
}
