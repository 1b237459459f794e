package store

import (
	"errors"
	"time"
)

// Sentinel errors of identity pools.
var (
	ErrPoolNotFound     = errors.New("store: identity pool not found")
	ErrIdentityNotFound = errors.New("store: identity not found")
)

// IdentityPool is a Cognito-style identity pool: it hands out short-lived credentials that act for
// Account, only on the app AppID, and only for the actions in Allow.
type IdentityPool struct {
	ID      string // "region:uuid", Cognito's form
	Account string
	AppID   string
	Allow   []string      // actions its credentials may call, as Key.Allow; never empty
	TTL     time.Duration // lifetime of the credentials it issues
	Created time.Time
}

// Identity is an identity of a pool, as GetId creates it.
type Identity struct {
	ID      string // "region:uuid"
	PoolID  string
	Created time.Time
}

// TempCredential is a temporary credential issued to an identity. The session token itself is not
// stored: TokenHash is the hex SHA-256 of it, which is all a verifier needs.
type TempCredential struct {
	AccessKeyID string
	Secret      string // needed in clear to verify SigV4 signatures, as Key.Secret
	TokenHash   string
	IdentityID  string
	PoolID      string
	Issued      time.Time
	Expires     time.Time // whole seconds
}
