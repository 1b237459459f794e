package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/sigv4"
	"pinpointd/internal/store"
)

// KeyAuth authenticates requests by their SigV4 signature, with the access keys kept in the store.
// Keys are cached for KeyTTL, so a revocation reaches every process within that time.
type KeyAuth struct {
	store    store.Store
	verifier sigv4.Verifier
	ttl      time.Duration
	now      func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey
}

type cachedKey struct {
	key     store.Key
	found   bool
	fetched time.Time
	temp    *tempKey // set for a temporary credential of an identity pool
}

// tempKey is what a temporary credential adds to a key: its session token's hash, its expiry and
// the one app it may act on.
type tempKey struct {
	tokenHash [sha256.Size]byte
	expires   time.Time
	app       string
	pool      string
}

// KeyAuthConfig configures a KeyAuth.
type KeyAuthConfig struct {
	Store       store.Store
	MaxSkew     time.Duration     // 0: 15 minutes
	AllowRegion func(string) bool // nil: any region
	// SigningHosts are hosts a signature may also name besides the request's Host
	// ("pinpoint.{region}.amazonaws.com"); see sigv4.Verifier.SigningHosts.
	SigningHosts []string
	KeyTTL       time.Duration    // 0: 5 seconds
	Now          func() time.Time // nil: time.Now
}

// NewKeyAuth returns an Authenticator for cfg.
func NewKeyAuth(cfg KeyAuthConfig) *KeyAuth {
	a := &KeyAuth{store: cfg.Store, ttl: cfg.KeyTTL, now: cfg.Now, keys: make(map[string]cachedKey)}
	if a.ttl == 0 {
		a.ttl = 5 * time.Second
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.verifier = sigv4.Verifier{
		Service:      "mobiletargeting",
		Lookup:       a.secret,
		Now:          a.now,
		MaxSkew:      cfg.MaxSkew,
		AllowRegion:  cfg.AllowRegion,
		SigningHosts: cfg.SigningHosts,
	}
	return a
}

// Precheck implements Authenticator: it refuses, without the body, a request whose
// Authorization header is missing or malformed, whose scope or date is refused, whose key is
// unknown or revoked, or that declares UNSIGNED-PAYLOAD.
func (a *KeyAuth) Precheck(ctx context.Context, r *http.Request) error {
	_, err := a.verifier.VerifyHeaders(ctx, r)
	return wireAuthError(err)
}

// Authenticate implements Authenticator.
func (a *KeyAuth) Authenticate(ctx context.Context, r *http.Request, body []byte) (Principal, error) {
	cred, err := a.verifier.Verify(ctx, r, body)
	if err != nil {
		return Principal{}, wireAuthError(err)
	}
	c, err := a.key(ctx, cred.AccessKeyID)
	if err != nil {
		return Principal{}, err
	}
	if err := a.checkToken(r, c); err != nil {
		return Principal{}, err
	}
	p := Principal{AccessKeyID: c.key.AccessKeyID, Account: c.key.Account, Allow: c.key.Allow}
	if c.temp != nil {
		p.App, p.Pool = c.temp.app, c.temp.pool
	}
	return p, nil
}

// checkToken applies the session-token rules once the signature is verified. As AWS does, a
// request is refused (403 UnrecognizedClientException) when it carries an X-Amz-Security-Token
// with a long-term key, or a temporary credential without its own token (missing, another
// credential's, forged, or sent twice); a temporary credential past its expiry is refused with
// 403 ExpiredTokenException. Tokens are compared by SHA-256, in constant time.
func (a *KeyAuth) checkToken(r *http.Request, c cachedKey) error {
	tokens := r.Header.Values("X-Amz-Security-Token")
	invalid := pinpoint.Errorf(pinpoint.CodeUnrecognizedClient, "The security token included in the request is invalid.")
	if c.temp == nil {
		if len(tokens) > 0 {
			return invalid
		}
		return nil
	}
	if len(tokens) != 1 {
		return invalid
	}
	sum := sha256.Sum256([]byte(tokens[0]))
	if subtle.ConstantTimeCompare(sum[:], c.temp.tokenHash[:]) != 1 {
		return invalid
	}
	if !a.now().Before(c.temp.expires) {
		return pinpoint.Errorf(pinpoint.CodeExpiredToken, "The security token included in the request is expired")
	}
	return nil
}

// wireAuthError turns a sigv4 refusal into the wire error with the same code; other errors
// (internal failures) pass unchanged.
func wireAuthError(err error) error {
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &pinpoint.Error{Code: se.Code, Message: se.Message}
	}
	return err
}

func (a *KeyAuth) secret(ctx context.Context, id string) (string, error) {
	c, err := a.key(ctx, id)
	if err != nil {
		return "", err
	}
	return c.key.Secret, nil
}

// key returns an active key or a temporary credential of an identity pool (expired or not), from
// the cache when fresh.
func (a *KeyAuth) key(ctx context.Context, id string) (cachedKey, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.keys[id]
	a.mu.Unlock()
	if age := now.Sub(c.fetched); !ok || age > a.ttl || age < 0 { // age < 0: the clock went back
		var err error
		if c, err = a.fetch(ctx, id); err != nil {
			return cachedKey{}, err
		}
		c.fetched = now
		a.mu.Lock()
		if len(a.keys) > 10000 {
			clear(a.keys) // bound memory against floods of made-up key IDs
		}
		a.keys[id] = c
		a.mu.Unlock()
	}
	if !c.found || c.key.Revoked {
		return cachedKey{}, sigv4.ErrUnknownKey
	}
	return c, nil
}

// fetch reads a key from the store: an access key, else a temporary credential.
func (a *KeyAuth) fetch(ctx context.Context, id string) (cachedKey, error) {
	k, err := a.store.GetKey(ctx, id)
	switch {
	case err == nil:
		return cachedKey{key: k, found: true}, nil
	case !errors.Is(err, store.ErrKeyNotFound):
		return cachedKey{}, fmt.Errorf("look up access key: %w", err)
	}
	cred, pool, err := a.store.GetCredential(ctx, id)
	switch {
	case errors.Is(err, store.ErrKeyNotFound):
		return cachedKey{}, nil
	case err != nil:
		return cachedKey{}, fmt.Errorf("look up temporary credential: %w", err)
	}
	t := &tempKey{expires: cred.Expires, app: pool.AppID, pool: pool.ID}
	if _, err := hex.Decode(t.tokenHash[:], []byte(cred.TokenHash)); err != nil || len(cred.TokenHash) != 2*sha256.Size {
		return cachedKey{}, fmt.Errorf("temporary credential %s: stored token hash is not SHA-256 hex", id)
	}
	return cachedKey{
		key:   store.Key{AccessKeyID: cred.AccessKeyID, Secret: cred.Secret, Account: pool.Account, Allow: pool.Allow},
		found: true,
		temp:  t,
	}, nil
}
