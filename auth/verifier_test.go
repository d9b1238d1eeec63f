package auth_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"orderflow/auth"
)

// tamper rewrites a token's payload and keeps its signature.
func tamper(t testing.TB, token string, change func(jwt.MapClaims)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	payload, err := jwt.NewParser().DecodeSegment(parts[1])
	require.NoError(t, err)
	var claims jwt.MapClaims
	require.NoError(t, json.Unmarshal(payload, &claims))
	change(claims)
	payload, err = json.Marshal(claims)
	require.NoError(t, err)
	parts[1] = b64(payload)
	return strings.Join(parts, ".")
}

// unsigned builds a token with alg none by hand: the library would refuse to.
func unsigned(t testing.TB, alg string) string {
	t.Helper()
	header, err := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	require.NoError(t, err)
	payload, err := json.Marshal(validClaims())
	require.NoError(t, err)
	return b64(header) + "." + b64(payload) + "."
}

// rsaPublicKeyAsHMACSecret is the classic key-confusion attack: the RSA
// public key is public, so if a verifier let the token pick HS256, anyone
// could sign with it.
func rsaPublicKeyAsHMACSecret(t testing.TB) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&loadTestKeys().rsa.PublicKey)
	require.NoError(t, err)
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return sign(t, jwt.SigningMethodHS256, secret, kid("rsa-1"), validClaims())
}

func TestVerifyRejects(t *testing.T) {
	k := loadTestKeys()
	tests := []struct {
		name     string
		verifier func(testing.TB) *auth.Verifier
		token    func(testing.TB) string
		reason   string
	}{
		{"an expired token is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"exp": testNow.Add(-time.Minute).Unix()}))
		}, "token has expired"},
		{"a token without exp is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"exp": nil}))
		}, "token is missing a required claim"},
		{"a token whose nbf is beyond the leeway is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"nbf": testNow.Add(time.Minute).Unix()}))
		}, "token is not valid yet"},
		{"a token issued in the future is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"iat": testNow.Add(time.Minute).Unix()}))
		}, "token is not valid yet"},
		{"a token from another issuer is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"iss": "https://evil.test"}))
		}, "token has the wrong issuer"},
		{"a token without an issuer is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"iss": nil}))
		}, "token is missing a required claim"},
		{"a token for another audience is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"aud": []string{"billing", "shipping"}}))
		}, "token has the wrong audience"},
		{"a token signed with another secret is refused", hsVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodHS256, k.otherSecret, nil, validClaims())
		}, "token signature is invalid"},
		{"a token signed with another RSA key under a trusted kid is refused", fileVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodRS256, k.otherRSA, kid("rsa-1"), validClaims())
		}, "token signature is invalid"},
		{"alg none is refused by an HS256 verifier", hsVerifier, func(t testing.TB) string {
			return unsigned(t, "none")
		}, "token signature is invalid"},
		{"alg none is refused by a JWKS verifier", fileVerifier, func(t testing.TB) string {
			return unsigned(t, "none")
		}, "token signature is invalid"},
		{"alg NONE in capitals is refused", hsVerifier, func(t testing.TB) string {
			return unsigned(t, "NONE")
		}, "token signature is invalid"},
		{"HS256 signed with the RSA public key is refused", fileVerifier, rsaPublicKeyAsHMACSecret, "token signature is invalid"},
		{"an HS256 verifier refuses RS256", hsVerifier, func(t testing.TB) string {
			return signRS(t, validClaims())
		}, "token signature is invalid"},
		{"ES256 under the kid of an RSA key is refused", fileVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodES256, k.ec, kid("rsa-1"), validClaims())
		}, "token signature is invalid"},
		{"RS512 is refused even with a trusted key", fileVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodRS512, k.rsa, kid("rsa-1"), validClaims())
		}, "token signature is invalid"},
		{"a tampered subject is refused", hsVerifier, func(t testing.TB) string {
			return tamper(t, signHS(t, validClaims()), func(c jwt.MapClaims) { c["sub"] = "someone-else" })
		}, "token signature is invalid"},
		{"a token signed with an unpublished key is refused by the JWKS URL verifier", urlVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodRS256, k.otherRSA, kid("rsa-1"), validClaims())
		}, "token signature is invalid"},
		{"HS256 signed with the RSA public key is refused by the JWKS URL verifier", urlVerifier, rsaPublicKeyAsHMACSecret, "token signature is invalid"},
		{"a tampered role is refused", fileVerifier, func(t testing.TB) string {
			return tamper(t, signRS(t, validClaims()), func(c jwt.MapClaims) { c["roles"] = []string{"admin"} })
		}, "token signature is invalid"},
		{"an unknown kid is refused", fileVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodRS256, k.rsa, kid("rsa-2"), validClaims())
		}, "token signing key is unknown"},
		{"a JWKS token without kid is refused", fileVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodRS256, k.rsa, nil, validClaims())
		}, "token signing key is unknown"},
		{"a kid that is not a string is refused", fileVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodRS256, k.rsa, map[string]any{"kid": 1}, validClaims())
		}, "token is malformed"},
		{"a typ other than JWT is refused", hsVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodHS256, k.secret, map[string]any{"typ": "dpop+jwt"}, validClaims())
		}, "token has an unsupported type"},
		{"a crit header is refused", hsVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodHS256, k.secret, map[string]any{"crit": []string{"exp"}}, validClaims())
		}, "token has unsupported critical headers"},
		{"an empty subject is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"sub": ""}))
		}, "token subject is not a valid customer id"},
		{"a subject with a slash is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"sub": "../orders"}))
		}, "token subject is not a valid customer id"},
		{"a subject of 65 characters is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"sub": strings.Repeat("a", 65)}))
		}, "token subject is not a valid customer id"},
		{"roles that are not a list of strings are refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"roles": "admin"}))
		}, "token is malformed"},
		{"a token with a truncated signature is refused", hsVerifier, func(t testing.TB) string {
			s := signHS(t, validClaims())
			return s[:len(s)-11]
		}, "token signature is invalid"},
		{"a token cut mid-character is refused", hsVerifier, func(t testing.TB) string {
			s := signHS(t, validClaims())
			return s[:len(s)-2]
		}, "token is malformed"},
		{"a token of two segments is refused", hsVerifier, func(t testing.TB) string {
			s := signHS(t, validClaims())
			return s[:strings.LastIndex(s, ".")]
		}, "token is malformed"},
		{"garbage is refused", hsVerifier, func(testing.TB) string {
			return "%%%.@@@.###"
		}, "token is malformed"},
		{"a token over 8 KiB is refused", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"pad": strings.Repeat("x", 8<<10)}))
		}, "token is too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, token := tc.verifier(t), tc.token(t)

			_, err := v.Verify(context.Background(), token)
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
			var ae *auth.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tc.reason, ae.Reason, "error: %v", err)

			rec := serve(t, v, "Bearer "+token)
			requireUnauthorized(t, rec, tc.reason)
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	k := loadTestKeys()
	customer := auth.Identity{CustomerID: testCustomer}
	admin := auth.Identity{CustomerID: testCustomer, Admin: true}
	tests := []struct {
		name     string
		verifier func(testing.TB) *auth.Verifier
		token    func(testing.TB) string
		want     auth.Identity
	}{
		{"an HS256 token identifies its customer", hsVerifier, func(t testing.TB) string {
			return signHS(t, validClaims())
		}, customer},
		{"the admin role grants admin", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"roles": []string{"viewer", "admin"}}))
		}, admin},
		{"other roles do not grant admin", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"roles": []string{"Admin", "administrator"}}))
		}, customer},
		{"an RS256 token from the JWKS file is accepted", fileVerifier, func(t testing.TB) string {
			return signRS(t, with(jwt.MapClaims{"roles": []string{"admin"}}))
		}, admin},
		{"an ES256 token from the JWKS file is accepted", fileVerifier, func(t testing.TB) string {
			return signES(t, validClaims())
		}, customer},
		{"an RS256 token from the JWKS URL is accepted", urlVerifier, func(t testing.TB) string {
			return signRS(t, validClaims())
		}, customer},
		{"an ES256 token from the JWKS URL is accepted", urlVerifier, func(t testing.TB) string {
			return signES(t, with(jwt.MapClaims{"roles": []string{"admin"}}))
		}, admin},
		{"an access token typed at+jwt is accepted", hsVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodHS256, k.secret, map[string]any{"typ": "application/at+jwt"}, validClaims())
		}, customer},
		{"a token without typ is accepted", hsVerifier, func(t testing.TB) string {
			return sign(t, jwt.SigningMethodHS256, k.secret, map[string]any{"typ": nil}, validClaims())
		}, customer},
		{"a token expired within the leeway is accepted", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"exp": testNow.Add(-20 * time.Second).Unix()}))
		}, customer},
		{"a token whose nbf is within the leeway is accepted", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"nbf": testNow.Add(20 * time.Second).Unix()}))
		}, customer},
		{"a token for several audiences including ours is accepted", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"aud": []string{"billing", testAudience}}))
		}, customer},
		{"a subject of 64 allowed characters is accepted", hsVerifier, func(t testing.TB) string {
			return signHS(t, with(jwt.MapClaims{"sub": "ab-c_d@E" + strings.Repeat("9", 56)}))
		}, auth.Identity{CustomerID: "ab-c_d@E" + strings.Repeat("9", 56)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, token := tc.verifier(t), tc.token(t)

			got, err := v.Verify(context.Background(), token)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)

			rec := serve(t, v, "Bearer "+token)
			require.Equal(t, 200, rec.Code)
			require.Equal(t, tc.want.CustomerID, rec.Body.String())
		})
	}
}

func TestVerifierHonoursConfiguredLeeway(t *testing.T) {
	tests := []struct {
		name    string
		leeway  time.Duration
		expired time.Duration
		ok      bool
	}{
		{"the default leeway forgives 29 seconds", 0, 29 * time.Second, true},
		{"the default leeway does not forgive 31 seconds", 0, 31 * time.Second, false},
		{"a 2 minute leeway forgives 90 seconds", 2 * time.Minute, 90 * time.Second, true},
		{"a 1 second leeway does not forgive 2 seconds", time.Second, 2 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.HS256Secret = loadTestKeys().secret
			cfg.Leeway = tc.leeway
			v := newVerifier(t, cfg)
			token := signHS(t, with(jwt.MapClaims{"exp": testNow.Add(-tc.expired).Unix()}))
			_, err := v.Verify(context.Background(), token)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, jwt.ErrTokenExpired)
		})
	}
}
