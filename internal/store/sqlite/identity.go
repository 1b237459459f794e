package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"pinpointd/internal/store"
)

const poolColumns = "pool_id, account, app, allow, ttl_seconds, created"

func scanPool(row interface{ Scan(...any) error }) (store.IdentityPool, error) {
	var p store.IdentityPool
	var allow string
	var ttl, created int64
	if err := row.Scan(&p.ID, &p.Account, &p.AppID, &allow, &ttl, &created); err != nil {
		return p, err
	}
	p.TTL = time.Duration(ttl) * time.Second
	p.Created = time.Unix(created, 0).UTC()
	return p, store.DecodeJSON(allow, &p.Allow)
}

// CreatePool implements store.Store.
func (s *Store) CreatePool(ctx context.Context, p store.IdentityPool) error {
	allow, err := store.EncodeJSON(orEmptySlice(p.Allow))
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		res, err := c.exec(ctx, "INSERT INTO identity_pools (pool_id, app, account, allow, ttl_seconds, created) "+
			"SELECT ?, app_id, account, ?, ?, ? FROM apps WHERE app_id = ? AND account = ?",
			p.ID, allow, int64(p.TTL/time.Second), p.Created.Unix(), p.AppID, p.Account)
		if isConstraint(err) {
			return fmt.Errorf("%w: identity pool %s", store.ErrExists, p.ID)
		}
		if err != nil {
			return wrap("create identity pool", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", store.ErrAppNotFound, p.AppID)
		}
		return nil
	})
}

// GetPool implements store.Store.
func (s *Store) GetPool(ctx context.Context, poolID string) (store.IdentityPool, error) {
	p, err := scanPool(s.reader.QueryRowContext(ctx, "SELECT "+poolColumns+" FROM identity_pools WHERE pool_id = ?", poolID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: %s", store.ErrPoolNotFound, poolID)
	}
	return p, wrap("get identity pool", err)
}

// ListPools implements store.Store.
func (s *Store) ListPools(ctx context.Context) ([]store.IdentityPool, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+poolColumns+" FROM identity_pools ORDER BY pool_id")
	if err != nil {
		return nil, wrap("list identity pools", err)
	}
	defer rows.Close()
	var out []store.IdentityPool
	for rows.Next() {
		p, err := scanPool(rows)
		if err != nil {
			return nil, wrap("list identity pools", err)
		}
		out = append(out, p)
	}
	return out, wrap("list identity pools", rows.Err())
}

// poolApp returns the app of a pool, on the writer.
func poolApp(ctx context.Context, c *conn, poolID string) (string, error) {
	var app string
	err := c.queryRow(ctx, "SELECT app FROM identity_pools WHERE pool_id = ?", poolID).Scan(&app)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %s", store.ErrPoolNotFound, poolID)
	}
	return app, wrap("read identity pool", err)
}

// DeletePool implements store.Store.
func (s *Store) DeletePool(ctx context.Context, poolID string) error {
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		app, err := poolApp(ctx, c, poolID)
		if err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM identity_credentials WHERE app_id = ? AND pool_id = ?",
			"DELETE FROM identities WHERE app_id = ? AND pool_id = ?",
		} {
			if _, err := c.exec(ctx, q, app, poolID); err != nil {
				return wrap("delete identity pool", err)
			}
		}
		_, err = c.exec(ctx, "DELETE FROM identity_pools WHERE pool_id = ?", poolID)
		return wrap("delete identity pool", err)
	})
}

// PutIdentity implements store.Store.
func (s *Store) PutIdentity(ctx context.Context, id store.Identity) error {
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		app, err := poolApp(ctx, c, id.PoolID)
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "INSERT INTO identities (app_id, identity_id, pool_id, created) VALUES (?, ?, ?, ?)",
			app, id.ID, id.PoolID, id.Created.Unix())
		if isConstraint(err) {
			return fmt.Errorf("%w: identity %s", store.ErrExists, id.ID)
		}
		return wrap("put identity", err)
	})
}

// GetIdentity implements store.Store.
func (s *Store) GetIdentity(ctx context.Context, identityID string) (store.Identity, error) {
	var id store.Identity
	var created int64
	err := s.reader.QueryRowContext(ctx, "SELECT i.identity_id, i.pool_id, i.created FROM identities i "+
		"JOIN identity_pools p ON p.pool_id = i.pool_id AND p.app = i.app_id WHERE i.identity_id = ?", identityID).
		Scan(&id.ID, &id.PoolID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return id, fmt.Errorf("%w: %s", store.ErrIdentityNotFound, identityID)
	}
	id.Created = time.Unix(created, 0).UTC()
	return id, wrap("get identity", err)
}

// PutCredential implements store.Store.
func (s *Store) PutCredential(ctx context.Context, cr store.TempCredential) error {
	notFound := fmt.Errorf("%w: %s", store.ErrIdentityNotFound, cr.IdentityID)
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		app, err := poolApp(ctx, c, cr.PoolID)
		if errors.Is(err, store.ErrPoolNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, "DELETE FROM identity_credentials WHERE app_id = ? AND identity_id = ? AND expires <= ?",
			app, cr.IdentityID, cr.Issued.Unix()); err != nil {
			return wrap("put credential", err)
		}
		res, err := c.exec(ctx, "INSERT INTO identity_credentials (app_id, access_key_id, secret, token_hash, identity_id, pool_id, issued, expires) "+
			"SELECT app_id, ?, ?, ?, identity_id, pool_id, ?, ? FROM identities WHERE app_id = ? AND identity_id = ? AND pool_id = ?",
			cr.AccessKeyID, cr.Secret, cr.TokenHash, cr.Issued.Unix(), cr.Expires.Unix(), app, cr.IdentityID, cr.PoolID)
		if isConstraint(err) {
			return fmt.Errorf("%w: credential %s", store.ErrExists, cr.AccessKeyID)
		}
		if err != nil {
			return wrap("put credential", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound
		}
		return nil
	})
}

// GetCredential implements store.Store.
func (s *Store) GetCredential(ctx context.Context, accessKeyID string) (store.TempCredential, store.IdentityPool, error) {
	var cr store.TempCredential
	var issued, expires int64
	var p store.IdentityPool
	var allow string
	var ttl, created int64
	err := s.reader.QueryRowContext(ctx, "SELECT c.access_key_id, c.secret, c.token_hash, c.identity_id, c.issued, c.expires, "+
		"p.pool_id, p.account, p.app, p.allow, p.ttl_seconds, p.created "+
		"FROM identity_credentials c JOIN identity_pools p ON p.pool_id = c.pool_id AND p.app = c.app_id WHERE c.access_key_id = ?", accessKeyID).
		Scan(&cr.AccessKeyID, &cr.Secret, &cr.TokenHash, &cr.IdentityID, &issued, &expires,
			&p.ID, &p.Account, &p.AppID, &allow, &ttl, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return cr, p, fmt.Errorf("%w: %s", store.ErrKeyNotFound, accessKeyID)
	}
	if err != nil {
		return cr, p, wrap("get credential", err)
	}
	cr.PoolID = p.ID
	cr.Issued, cr.Expires = time.Unix(issued, 0).UTC(), time.Unix(expires, 0).UTC()
	p.TTL = time.Duration(ttl) * time.Second
	p.Created = time.Unix(created, 0).UTC()
	return cr, p, wrap("get credential", store.DecodeJSON(allow, &p.Allow))
}
