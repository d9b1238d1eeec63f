package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are what MintHS256 writes into a token.
type Claims struct {
	Issuer   string
	Audience string
	// CustomerID becomes sub; it must pass ValidateCustomerID.
	CustomerID string
	// Roles becomes roles; RoleAdmin grants admin.
	Roles []string
}

// MintHS256 signs a development token for claims, valid from now for ttl,
// that a Verifier configured with the same secret, issuer and audience
// accepts. It refuses what such a Verifier would refuse, so that a bad
// token fails where it is made rather than where it is used.
func MintHS256(secret []byte, claims Claims, ttl time.Duration, now time.Time) (string, error) {
	if err := claims.validate(secret, ttl); err != nil {
		return "", fmt.Errorf("minting token: %w", err)
	}
	tc := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    claims.Issuer,
			Subject:   claims.CustomerID,
			Audience:  jwt.ClaimStrings{claims.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Roles: claims.Roles,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, tc).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return signed, nil
}

func (c Claims) validate(secret []byte, ttl time.Duration) error {
	if len(secret) < MinHS256SecretLen {
		return fmt.Errorf("HS256 secret has %d bytes, at least %d are required", len(secret), MinHS256SecretLen)
	}
	if c.Issuer == "" || c.Audience == "" {
		return errors.New("issuer and audience are required")
	}
	if ttl <= 0 {
		return fmt.Errorf("ttl %s is not positive", ttl)
	}
	return ValidateCustomerID(c.CustomerID)
}
