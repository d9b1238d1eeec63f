package ratelimit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"orderflow/auth"
	"orderflow/ratelimit"
)

// Two limiters: one by address in front of authentication, so that token
// guessing is limited too, and one by customer behind it, so that customers
// behind one NAT do not share a budget. With chi:
//
//	r.Use(byAddr.Middleware(ratelimit.ClientAddr))
//	r.Use(verifier.Middleware)
//	r.Use(byCustomer.Middleware(customerKey))
func ExampleLimiter_Middleware() {
	byCustomer, err := ratelimit.New(ratelimit.Config{Rate: 1, Burst: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	customerKey := func(r *http.Request) string {
		if id, ok := auth.FromContext(r.Context()); ok {
			return "customer:" + id.CustomerID
		}
		return "addr:" + ratelimit.ClientAddr(r)
	}
	h := byCustomer.Middleware(customerKey)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	for range 3 {
		req := httptest.NewRequest(http.MethodGet, "/orders", nil)
		req = req.WithContext(auth.WithIdentity(req.Context(), auth.Identity{CustomerID: "alice"}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d Retry-After=%q\n", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Output:
	// 200 Retry-After=""
	// 200 Retry-After=""
	// 429 Retry-After="1"
}
