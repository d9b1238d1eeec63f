// Package auth authenticates API requests with JWT bearer tokens and carries
// the caller's Identity through the request context.
//
// Verification follows RFC 8725 (JWT Best Current Practices): the accepted
// algorithms come from the configured key source and never from the token,
// every key is bound to one algorithm, exp is required, nbf and iat are
// checked with a bounded leeway, and iss and aud must match the
// configuration.
//
// A Verifier trusts exactly one key source:
//
//   - an HS256 secret, meant for development and for tokens minted with
//     [MintHS256];
//   - a JSON Web Key Set in a file, for RS256 and ES256 keys;
//   - a JSON Web Key Set served over HTTPS, fetched at start-up and again when
//     a token names an unknown key (at most once a minute) or the set is an
//     hour old.
//
// Mixing a shared secret with public keys is refused on purpose: it is the
// setup in which algorithm-confusion attacks live, and no deployment of ours
// needs both at once.
//
// The package never logs; errors carry a short Reason that is safe to show
// to clients and never include the token.
package auth
