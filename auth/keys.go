package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// keySource finds the key that verifies a token signed with alg by the key
// named kid. Each key is bound to one algorithm, so a token cannot make us
// use an RSA public key as an HMAC secret.
type keySource interface {
	// algorithms lists every alg the source can verify; tokens with any
	// other alg are refused before a key is looked up.
	algorithms() []string
	key(ctx context.Context, alg, kid string) (any, error)
}

// secretKey is the HS256 development key.
type secretKey []byte

func newSecretKey(secret []byte) secretKey {
	// Copied so that the caller reusing its slice cannot change our key.
	return secretKey(append([]byte(nil), secret...))
}

func (s secretKey) algorithms() []string { return []string{jwt.SigningMethodHS256.Alg()} }

func (s secretKey) key(_ context.Context, alg, _ string) (any, error) {
	if alg != jwt.SigningMethodHS256.Alg() {
		return nil, unauthenticated(reasonSignature, fmt.Errorf("alg %q is not HS256", alg))
	}
	return []byte(s), nil
}

// publicKey is a verification key and the one algorithm it may be used with.
type publicKey struct {
	alg string
	key crypto.PublicKey
}

// keySet is a parsed JSON Web Key Set, by kid.
type keySet map[string]publicKey

// jwksAlgorithms are the algorithms a key set may hold.
var jwksAlgorithms = []string{jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg()}

func (ks keySet) algorithms() []string { return jwksAlgorithms }

func (ks keySet) key(_ context.Context, alg, kid string) (any, error) {
	if kid == "" {
		return nil, unauthenticated(reasonUnknownKey, errors.New("token has no kid"))
	}
	k, ok := ks[kid]
	if !ok {
		return nil, unauthenticated(reasonUnknownKey, fmt.Errorf("no key with kid %q", kid))
	}
	if k.alg != alg {
		return nil, unauthenticated(reasonSignature, fmt.Errorf("key %q is for %s, token uses %s", kid, k.alg, alg))
	}
	return k.key, nil
}
