package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// writeTx is store.Tx on one PostgreSQL transaction and one app. Every error it returns is marked
// as the database's (dbErr), so WriteEndpoints can tell it from an updater's or the domain's.
//
// Locking: Endpoint locks the endpoint's row (SELECT … FOR UPDATE) and LockUser the user's row, so
// writers of one endpoint or one user run one after the other; the unique index
// endpoints_active_address makes two writers that activate one address at once collide, and the
// loser's transaction is retried (see retryable).
type writeTx struct {
	tx    pgx.Tx
	appID string
	// existed records, per endpoint ID read by Endpoint, whether its row existed (and is now
	// locked by this transaction). PutEndpoint updates a row that existed and inserts one that did
	// not, never upserts: an upsert would silently overwrite an endpoint a concurrent writer
	// created after this transaction looked, losing that writer's update; the plain INSERT
	// instead fails on endpoints_pkey and the whole transaction is retried.
	existed map[string]bool
}

// maxUserLockTries bounds LockUser's loop; see there.
const maxUserLockTries = 3

var errUserVanished = errors.New("postgres: user row deleted while locking it")

func (t *writeTx) Endpoint(ctx context.Context, id string) (*pinpoint.Endpoint, error) {
	var doc, status, userID string
	err := t.tx.QueryRow(ctx, "SELECT doc, status, user_id FROM endpoints WHERE app_id = $1 AND id = $2 FOR UPDATE",
		t.appID, id).Scan(&doc, &status, &userID)
	if errors.Is(err, pgx.ErrNoRows) {
		t.existed[id] = false
		return nil, nil
	}
	if err != nil {
		return nil, dbErr(err)
	}
	t.existed[id] = true
	e, err := store.DecodeEndpoint([]byte(doc), status, userID)
	return e, dbErr(err)
}

// LockUser inserts the user's row unless it exists, then locks it. Under READ COMMITTED the
// SELECT … FOR UPDATE may find no row when a concurrent DeleteUserEndpoints deleted it after the
// INSERT saw it; the loop then creates it again.
func (t *writeTx) LockUser(ctx context.Context, userID string) (map[string][]string, error) {
	for range maxUserLockTries {
		b := &pgx.Batch{}
		b.Queue("INSERT INTO users (app_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", t.appID, userID)
		b.Queue("SELECT attrs FROM users WHERE app_id = $1 AND user_id = $2 FOR UPDATE", t.appID, userID)
		br := t.tx.SendBatch(ctx, b)
		_, err := br.Exec()
		var attrs string
		if err == nil {
			err = br.QueryRow().Scan(&attrs)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, dbErr(err)
		}
		var m map[string][]string
		return m, dbErr(store.DecodeJSON(attrs, &m))
	}
	return nil, dbErr(fmt.Errorf("%w: %q", errUserVanished, userID))
}

func (t *writeTx) UserMembers(ctx context.Context, userID, exceptID string) ([]pinpoint.Member, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, channel_type, effective_date FROM endpoints
		WHERE app_id = $1 AND user_id = $2 AND id <> $3`, t.appID, userID, exceptID)
	if err != nil {
		return nil, dbErr(err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pinpoint.Member, error) {
		var m pinpoint.Member
		err := row.Scan(&m.ID, &m.ChannelType, &m.EffectiveDate)
		return m, err
	})
	return ms, dbErr(err)
}

func (t *writeTx) PutUser(ctx context.Context, userID string, attrs map[string][]string) error {
	s, err := store.EncodeJSON(attrs)
	if err != nil {
		return dbErr(err)
	}
	_, err = t.tx.Exec(ctx, "UPDATE users SET attrs = $3 WHERE app_id = $1 AND user_id = $2", t.appID, userID, s)
	return dbErr(err)
}

// DropUserIfUnused deletes the user's row unless an endpoint names it. The caller holds the row's
// lock (LockUser), so no endpoint can join the user between the check and the delete.
func (t *writeTx) DropUserIfUnused(ctx context.Context, userID string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM users WHERE app_id = $1 AND user_id = $2
		AND NOT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND user_id = $2)`, t.appID, userID)
	return dbErr(err)
}

func (t *writeTx) Evict(ctx context.Context, id string) error {
	_, err := t.tx.Exec(ctx, "UPDATE endpoints SET status = $3, user_id = '' WHERE app_id = $1 AND id = $2",
		t.appID, id, pinpoint.StatusInactive)
	return dbErr(err)
}

func (t *writeTx) DeactivateAddress(ctx context.Context, address, exceptID string) error {
	// "address <> ''" repeats the index predicate so the planner can use endpoints_active_address.
	_, err := t.tx.Exec(ctx, `UPDATE endpoints SET status = $4
		WHERE app_id = $1 AND address = $2 AND address <> '' AND status = $5 AND id <> $3`,
		t.appID, address, exceptID, pinpoint.StatusInactive, pinpoint.StatusActive)
	return dbErr(err)
}

func (t *writeTx) PutEndpoint(ctx context.Context, e *pinpoint.Endpoint) error {
	doc, err := store.EncodeEndpoint(e)
	if err != nil {
		return dbErr(err)
	}
	existed, read := t.existed[e.ID]
	if !read {
		return dbErr(fmt.Errorf("postgres: endpoint %q written without being read", e.ID))
	}
	q := `INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	if existed {
		q = `UPDATE endpoints SET address = $3, channel_type = $4, status = $5, user_id = $6,
			effective_date = $7, doc = $8 WHERE app_id = $1 AND id = $2`
	}
	_, err = t.tx.Exec(ctx, q, t.appID, e.ID, e.Address, e.ChannelType, e.EndpointStatus, e.User.UserID, e.EffectiveDate, string(doc))
	if err == nil {
		t.existed[e.ID] = true
	}
	return dbErr(err)
}

func (t *writeTx) PutEvents(ctx context.Context, endpointID string, events []store.Event) error {
	ids := make([]string, len(events))
	types := make([]string, len(events))
	stamps := make([]time.Time, len(events))
	bodies := make([]string, len(events))
	var last time.Time
	for i, ev := range events {
		ids[i], types[i], stamps[i], bodies[i] = ev.ID, ev.Type, ev.Timestamp, string(ev.Body)
		if i == 0 || ev.Timestamp.After(last) {
			last = ev.Timestamp
		}
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO events (app_id, endpoint_id, event_id, event_type, ts, body)
		SELECT $1, $2, t.id, t.type, t.ts, t.body
		FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS t (id, type, ts, body)
		ON CONFLICT DO NOTHING`, t.appID, endpointID, ids, types, stamps, bodies)
	b.Queue(`UPDATE endpoints SET last_event_at = GREATEST(COALESCE(last_event_at, $3), $3)
		WHERE app_id = $1 AND id = $2`, t.appID, endpointID, last)
	return dbErr(t.tx.SendBatch(ctx, b).Close())
}
