package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"

	"github.com/golang-jwt/jwt/v5"
)

// jsonWebKey is the part of an RFC 7517 key that we read.
type jsonWebKey struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	// RSA.
	N string `json:"n"`
	E string `json:"e"`
	// EC.
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	// D is only read to refuse sets that leak private keys.
	D string `json:"d"`
}

// errSkipKey marks a well-formed key that we do not use, such as an
// encryption key or an RS512 key, which real key sets often carry.
var errSkipKey = errors.New("key not used for RS256 or ES256 signatures")

// minRSABits follows RFC 7518, section 3.3.
const minRSABits = 2048

func loadJWKSFile(path string) (keySet, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the operator's configured JWKS file, never a request's
	if err != nil {
		return nil, fmt.Errorf("reading JWKS file: %w", err)
	}
	ks, err := parseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("loading JWKS file %s: %w", path, err)
	}
	return ks, nil
}

// parseJWKS reads a JSON Web Key Set. Keys we do not use are skipped, but a
// broken key fails the whole set: it means the set is not what its owner
// thinks it is.
func parseJWKS(data []byte) (keySet, error) {
	var doc struct {
		Keys []jsonWebKey `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decoding JWKS: %w", err)
	}
	ks := keySet{}
	for i, jwk := range doc.Keys {
		k, err := jwk.publicKey()
		if errors.Is(err, errSkipKey) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parsing key %d (kid %q): %w", i, jwk.Kid, err)
		}
		if jwk.Kid == "" {
			return nil, fmt.Errorf("key %d has no kid", i)
		}
		if _, dup := ks[jwk.Kid]; dup {
			return nil, fmt.Errorf("kid %q appears twice", jwk.Kid)
		}
		ks[jwk.Kid] = k
	}
	if len(ks) == 0 {
		return nil, errors.New("JWKS holds no RS256 or ES256 signing key")
	}
	return ks, nil
}

func (jwk jsonWebKey) publicKey() (publicKey, error) {
	if jwk.D != "" {
		return publicKey{}, errors.New("key holds private material")
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return publicKey{}, errSkipKey
	}
	switch jwk.Kty {
	case "RSA":
		return jwk.rsaKey()
	case "EC":
		return jwk.ecKey()
	}
	return publicKey{}, errSkipKey
}

func (jwk jsonWebKey) rsaKey() (publicKey, error) {
	alg := jwt.SigningMethodRS256.Alg()
	if jwk.Alg != "" && jwk.Alg != alg {
		return publicKey{}, errSkipKey
	}
	n, err := decodeBigInt(jwk.N)
	if err != nil {
		return publicKey{}, fmt.Errorf("decoding n: %w", err)
	}
	e, err := decodeBigInt(jwk.E)
	if err != nil {
		return publicKey{}, fmt.Errorf("decoding e: %w", err)
	}
	if n.BitLen() < minRSABits {
		return publicKey{}, fmt.Errorf("RSA key has %d bits, at least %d are required", n.BitLen(), minRSABits)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return publicKey{}, errors.New("RSA exponent is not an odd number in [3, 2^31)")
	}
	return publicKey{alg: alg, key: &rsa.PublicKey{N: n, E: int(e.Int64())}}, nil
}

func (jwk jsonWebKey) ecKey() (publicKey, error) {
	alg := jwt.SigningMethodES256.Alg()
	if jwk.Crv != "P-256" || (jwk.Alg != "" && jwk.Alg != alg) {
		return publicKey{}, errSkipKey
	}
	x, err := base64.RawURLEncoding.DecodeString(jwk.X)
	if err != nil {
		return publicKey{}, fmt.Errorf("decoding x: %w", err)
	}
	y, err := base64.RawURLEncoding.DecodeString(jwk.Y)
	if err != nil {
		return publicKey{}, fmt.Errorf("decoding y: %w", err)
	}
	// RFC 7518, section 6.2.1.2: coordinates are full-length.
	if len(x) != 32 || len(y) != 32 {
		return publicKey{}, fmt.Errorf("P-256 coordinates must be 32 bytes, got %d and %d", len(x), len(y))
	}
	point := append(append([]byte{4}, x...), y...)
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return publicKey{}, fmt.Errorf("parsing P-256 point: %w", err)
	}
	return publicKey{alg: alg, key: k}, nil
}

func decodeBigInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty value")
	}
	return new(big.Int).SetBytes(b), nil
}
