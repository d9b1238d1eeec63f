package auth_test

import (
	"context"
	"fmt"
	"time"

	"orderflow/auth"
)

// A development token minted for a customer is accepted by a Verifier that
// shares the secret, issuer and audience.
func ExampleMintHS256() {
	secret := []byte("development-secret-of-32-bytes!!")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	claims := auth.Claims{
		Issuer:     "orderflow-dev",
		Audience:   "orderflow-api",
		CustomerID: "alice",
		Roles:      []string{auth.RoleAdmin},
	}
	token, err := auth.MintHS256(secret, claims, time.Hour, now)
	if err != nil {
		fmt.Println(err)
		return
	}

	v, err := auth.NewVerifier(context.Background(), auth.Config{
		Issuer:      "orderflow-dev",
		Audience:    "orderflow-api",
		HS256Secret: secret,
		Now:         func() time.Time { return now.Add(time.Minute) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	id, err := v.Verify(context.Background(), token)
	fmt.Printf("%+v %v\n", id, err)
	// Output: {CustomerID:alice Admin:true} <nil>
}
