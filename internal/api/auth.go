package api

import (
	"context"
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
}

// KeyAuthConfig configures a KeyAuth.
type KeyAuthConfig struct {
	Store       store.Store
	MaxSkew     time.Duration     // 0: 15 minutes
	AllowRegion func(string) bool // nil: any region
	KeyTTL      time.Duration     // 0: 5 seconds
	Now         func() time.Time  // nil: time.Now
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
		Service:     "mobiletargeting",
		Lookup:      a.secret,
		Now:         a.now,
		MaxSkew:     cfg.MaxSkew,
		AllowRegion: cfg.AllowRegion,
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
	k, err := a.key(ctx, cred.AccessKeyID)
	if err != nil {
		return Principal{}, err
	}
	return Principal{AccessKeyID: k.AccessKeyID, Account: k.Account, Allow: k.Allow}, nil
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
	k, err := a.key(ctx, id)
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}

// key returns an active key, from the cache when fresh.
func (a *KeyAuth) key(ctx context.Context, id string) (store.Key, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.keys[id]
	a.mu.Unlock()
	if !ok || now.Sub(c.fetched) > a.ttl {
		k, err := a.store.GetKey(ctx, id)
		switch {
		case errors.Is(err, store.ErrKeyNotFound):
			c = cachedKey{fetched: now}
		case err != nil:
			return store.Key{}, fmt.Errorf("look up access key: %w", err)
		default:
			c = cachedKey{key: k, found: true, fetched: now}
		}
		a.mu.Lock()
		if len(a.keys) > 10000 {
			clear(a.keys) // bound memory against floods of made-up key IDs
		}
		a.keys[id] = c
		a.mu.Unlock()
	}
	if !c.found || c.key.Revoked {
		return store.Key{}, sigv4.ErrUnknownKey
	}
	return c.key, nil
}
