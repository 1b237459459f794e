package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/store"
)

const keyColumns = "access_key_id, secret, account, allow, created, revoked"

func scanKey(row scanner) (store.Key, error) {
	var k store.Key
	var allow string
	if err := row.Scan(&k.AccessKeyID, &k.Secret, &k.Account, &allow, &k.Created, &k.Revoked); err != nil {
		return k, err
	}
	k.Created = k.Created.UTC()
	return k, store.DecodeJSON(allow, &k.Allow)
}

func keyNotFound(id string) error {
	return fmt.Errorf("postgres: access key %q: %w", id, store.ErrKeyNotFound)
}

// PutKey stores a new access key. ErrExists if the ID is taken.
func (s *Store) PutKey(ctx context.Context, k store.Key) error {
	allow, err := store.EncodeJSON(k.Allow)
	if err != nil {
		return fmt.Errorf("postgres: put key: %w", err)
	}
	return s.run(ctx, "put key", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, "INSERT INTO keys ("+keyColumns+") VALUES ($1, $2, $3, $4, $5, $6)",
			k.AccessKeyID, k.Secret, k.Account, allow, k.Created, k.Revoked)
		if isUnique(err, "keys_pkey") {
			return fmt.Errorf("postgres: access key %q: %w", k.AccessKeyID, store.ErrExists)
		}
		return commitErr(err)
	})
}

// GetKey returns a key, revoked or not. ErrKeyNotFound if absent.
func (s *Store) GetKey(ctx context.Context, accessKeyID string) (store.Key, error) {
	var k store.Key
	err := s.run(ctx, "get key", func(ctx context.Context) error {
		var err error
		k, err = scanKey(s.pool.QueryRow(ctx, "SELECT "+keyColumns+" FROM keys WHERE access_key_id = $1", accessKeyID))
		if errors.Is(err, pgx.ErrNoRows) {
			return keyNotFound(accessKeyID)
		}
		return dbErr(err)
	})
	if err != nil {
		return store.Key{}, err
	}
	return k, nil
}

// ListKeys returns every key ordered by ID (byte-wise).
func (s *Store) ListKeys(ctx context.Context) ([]store.Key, error) {
	var ks []store.Key
	err := s.run(ctx, "list keys", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, "SELECT "+keyColumns+" FROM keys")
		if err != nil {
			return dbErr(err)
		}
		ks, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Key, error) { return scanKey(row) })
		if err != nil {
			return dbErr(err)
		}
		// Sorted in Go: byte order whatever the database's collation (see sortEndpoints).
		slices.SortFunc(ks, func(a, b store.Key) int { return strings.Compare(a.AccessKeyID, b.AccessKeyID) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ks, nil
}

// RevokeKey marks a key revoked. ErrKeyNotFound if absent. Revoking a revoked key succeeds.
func (s *Store) RevokeKey(ctx context.Context, accessKeyID string) error {
	return s.run(ctx, "revoke key", func(ctx context.Context) error {
		// Idempotent, so retrying it after a lost reply is harmless: dbErr, not commitErr.
		tag, err := s.pool.Exec(ctx, "UPDATE keys SET revoked = true WHERE access_key_id = $1", accessKeyID)
		if err != nil {
			return dbErr(err)
		}
		if tag.RowsAffected() == 0 {
			return keyNotFound(accessKeyID)
		}
		return nil
	})
}
