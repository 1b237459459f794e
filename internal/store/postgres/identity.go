package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/store"
)

const poolColumns = "pool_id, account, app, allow, ttl_seconds, created"

func scanPool(row scanner) (store.IdentityPool, error) {
	var p store.IdentityPool
	var allow string
	var ttl int64
	if err := row.Scan(&p.ID, &p.Account, &p.AppID, &allow, &ttl, &p.Created); err != nil {
		return p, err
	}
	p.TTL = time.Duration(ttl) * time.Second
	p.Created = p.Created.UTC()
	return p, store.DecodeJSON(allow, &p.Allow)
}

// sec is t to the second, the precision the SQLite backend keeps, so both backends return the same.
func sec(t time.Time) time.Time { return t.Truncate(time.Second) }

// CreatePool implements store.Store. The app's row is locked (FOR SHARE) while the pool is
// inserted, so a concurrent DeleteApp cannot interleave with it.
func (s *Store) CreatePool(ctx context.Context, p store.IdentityPool) error {
	allow, err := store.EncodeJSON(p.Allow)
	if err != nil {
		return fmt.Errorf("postgres: create identity pool: %w", err)
	}
	return s.inTx(ctx, "create identity pool", func(tx pgx.Tx) error {
		if _, err := lockApp(ctx, tx, p.Account, p.AppID, forShare); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO identity_pools (pool_id, app, account, allow, ttl_seconds, created) VALUES ($1, $2, $3, $4, $5, $6)",
			p.ID, p.AppID, p.Account, allow, int64(p.TTL/time.Second), sec(p.Created))
		if isUnique(err, "identity_pools_pkey") {
			return fmt.Errorf("postgres: identity pool %q: %w", p.ID, store.ErrExists)
		}
		return dbErr(err)
	})
}

// GetPool implements store.Store.
func (s *Store) GetPool(ctx context.Context, poolID string) (store.IdentityPool, error) {
	var p store.IdentityPool
	err := s.run(ctx, "get identity pool", func(ctx context.Context) error {
		var err error
		p, err = scanPool(s.pool.QueryRow(ctx, "SELECT "+poolColumns+" FROM identity_pools WHERE pool_id = $1", poolID))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: identity pool %q: %w", poolID, store.ErrPoolNotFound)
		}
		return dbErr(err)
	})
	return p, err
}

// ListPools implements store.Store.
func (s *Store) ListPools(ctx context.Context) ([]store.IdentityPool, error) {
	var ps []store.IdentityPool
	err := s.run(ctx, "list identity pools", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, "SELECT "+poolColumns+" FROM identity_pools")
		if err != nil {
			return dbErr(err)
		}
		ps, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.IdentityPool, error) { return scanPool(row) })
		if err != nil {
			return dbErr(err)
		}
		// Sorted in Go: byte order whatever the database's collation.
		slices.SortFunc(ps, func(a, b store.IdentityPool) int { return strings.Compare(a.ID, b.ID) })
		return nil
	})
	return ps, err
}

// poolApp returns the app of a pool inside tx, locking the pool's row with lock.
func poolApp(ctx context.Context, tx pgx.Tx, poolID, lock string) (string, error) {
	var app string
	err := tx.QueryRow(ctx, "SELECT app FROM identity_pools WHERE pool_id = $1"+lock, poolID).Scan(&app)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("postgres: identity pool %q: %w", poolID, store.ErrPoolNotFound)
	}
	return app, dbErr(err)
}

// DeletePool implements store.Store. It locks the pool's row first (FOR UPDATE), so it waits for
// writers of the pool's identities and credentials, which share that lock, and then deletes theirs.
func (s *Store) DeletePool(ctx context.Context, poolID string) error {
	return s.inTx(ctx, "delete identity pool", func(tx pgx.Tx) error {
		app, err := poolApp(ctx, tx, poolID, forUpdate)
		if err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM identity_credentials WHERE app_id = $1 AND pool_id = $2",
			"DELETE FROM identities WHERE app_id = $1 AND pool_id = $2",
		} {
			if _, err := tx.Exec(ctx, q, app, poolID); err != nil {
				return dbErr(err)
			}
		}
		_, err = tx.Exec(ctx, "DELETE FROM identity_pools WHERE pool_id = $1", poolID)
		return dbErr(err)
	})
}

// PutIdentity implements store.Store. The pool's row is locked (FOR SHARE) while the identity is
// inserted, so DeletePool cannot leave it behind.
func (s *Store) PutIdentity(ctx context.Context, id store.Identity) error {
	return s.inTx(ctx, "put identity", func(tx pgx.Tx) error {
		app, err := poolApp(ctx, tx, id.PoolID, forShare)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO identities (app_id, identity_id, pool_id, created) VALUES ($1, $2, $3, $4)",
			app, id.ID, id.PoolID, sec(id.Created))
		if isUnique(err, "identities_pkey") {
			return fmt.Errorf("postgres: identity %q: %w", id.ID, store.ErrExists)
		}
		return dbErr(err)
	})
}

// GetIdentity implements store.Store. It names no app (GetCredentialsForIdentity gives only the
// identity ID): on Citus it asks every worker, through the index on identity_id.
func (s *Store) GetIdentity(ctx context.Context, identityID string) (store.Identity, error) {
	var id store.Identity
	err := s.run(ctx, "get identity", func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, "SELECT i.identity_id, i.pool_id, i.created FROM identities i "+
			"JOIN identity_pools p ON p.pool_id = i.pool_id AND p.app = i.app_id WHERE i.identity_id = $1", identityID).Scan(&id.ID, &id.PoolID, &id.Created)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: identity %q: %w", identityID, store.ErrIdentityNotFound)
		}
		id.Created = id.Created.UTC()
		return dbErr(err)
	})
	return id, err
}

// PutCredential implements store.Store. The pool's row is locked (FOR SHARE) meanwhile, so
// DeletePool cannot leave the credential behind.
func (s *Store) PutCredential(ctx context.Context, c store.TempCredential) error {
	notFound := fmt.Errorf("postgres: identity %q: %w", c.IdentityID, store.ErrIdentityNotFound)
	return s.inTx(ctx, "put credential", func(tx pgx.Tx) error {
		app, err := poolApp(ctx, tx, c.PoolID, forShare)
		if errors.Is(err, store.ErrPoolNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM identity_credentials WHERE app_id = $1 AND identity_id = $2 AND expires <= $3",
			app, c.IdentityID, sec(c.Issued)); err != nil {
			return dbErr(err)
		}
		tag, err := tx.Exec(ctx, "INSERT INTO identity_credentials (app_id, access_key_id, secret, token_hash, identity_id, pool_id, issued, expires) "+
			"SELECT app_id, $1, $2, $3, identity_id, pool_id, $4, $5 FROM identities WHERE app_id = $6 AND identity_id = $7 AND pool_id = $8",
			c.AccessKeyID, c.Secret, c.TokenHash, sec(c.Issued), sec(c.Expires), app, c.IdentityID, c.PoolID)
		if isUnique(err, "identity_credentials_pkey") {
			return fmt.Errorf("postgres: credential %q: %w", c.AccessKeyID, store.ErrExists)
		}
		if err != nil {
			return dbErr(err)
		}
		if tag.RowsAffected() == 0 {
			return notFound
		}
		return nil
	})
}

// GetCredential implements store.Store. It names no app (a SigV4 request gives only the key ID): on
// Citus it asks every worker, through the index on access_key_id; KeyAuth caches the answer.
func (s *Store) GetCredential(ctx context.Context, accessKeyID string) (store.TempCredential, store.IdentityPool, error) {
	var c store.TempCredential
	var p store.IdentityPool
	err := s.run(ctx, "get credential", func(ctx context.Context) error {
		var allow string
		var ttl int64
		err := s.pool.QueryRow(ctx, "SELECT c.access_key_id, c.secret, c.token_hash, c.identity_id, c.issued, c.expires, "+
			"p.pool_id, p.account, p.app, p.allow, p.ttl_seconds, p.created "+
			"FROM identity_credentials c JOIN identity_pools p ON p.pool_id = c.pool_id AND p.app = c.app_id WHERE c.access_key_id = $1", accessKeyID).
			Scan(&c.AccessKeyID, &c.Secret, &c.TokenHash, &c.IdentityID, &c.Issued, &c.Expires,
				&p.ID, &p.Account, &p.AppID, &allow, &ttl, &p.Created)
		if errors.Is(err, pgx.ErrNoRows) {
			return keyNotFound(accessKeyID)
		}
		if err != nil {
			return dbErr(err)
		}
		c.PoolID = p.ID
		c.Issued, c.Expires, p.Created = c.Issued.UTC(), c.Expires.UTC(), p.Created.UTC()
		p.TTL = time.Duration(ttl) * time.Second
		return store.DecodeJSON(allow, &p.Allow)
	})
	return c, p, err
}
