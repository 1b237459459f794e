package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// writeTx is store.Tx on one PostgreSQL transaction (a pipeTx) and one app. Every error it returns
// is marked as the database's (dbErr), so WriteEndpoints can tell it from an updater's or the
// domain's.
//
// Locking: Endpoint locks the endpoint's row (SELECT … FOR UPDATE) and LockUser the user's row, so
// writers of one endpoint or one user run one after the other; the unique index
// endpoints_active_address makes two writers that activate one address at once collide, and the
// loser's transaction is retried (see retryable).
//
// Round trips: the writes (PutUser, Evict, DeactivateAddress, PutEndpoint, DropUserIfUnused,
// PutEvents) are only queued, and travel with the next read or with COMMIT. Reads are answered from
// what the transaction already read and locked when that is still current: lockRows reads and locks
// the rows of every endpoint of the call and of their users up front, and LockUser reads the
// user's other endpoints along with the user's row for the UserMembers call that follows it. A
// write that may change such a row forgets it, so the next read of it goes to the database.
type writeTx struct {
	t     *pipeTx
	appID string
	// existed records, per endpoint ID read by Endpoint, whether its row existed (and is now
	// locked by this transaction). PutEndpoint updates a row that existed and inserts one that did
	// not, never upserts: an upsert would silently overwrite an endpoint a concurrent writer
	// created after this transaction looked, losing that writer's update; the plain INSERT
	// instead fails on endpoints_pkey and the whole transaction is retried.
	existed map[string]bool
	// rows holds, by endpoint ID, rows lockRows read (nil for no row) that no statement of this
	// transaction has changed since. An ID leaves it when Endpoint reads it or a write may change it.
	rows map[string]*endpointRow
	// users holds, by user ID, the attrs column of users rows this transaction has locked, as they
	// are now in the transaction.
	users map[string]string
	// lockUsersNext is set when queueLockRows left the users of the endpoints to lockUsers.
	lockUsersNext bool
	// current is the ID Endpoint read last: the endpoint ApplyWrite is writing.
	current string
	// members, when set, are the endpoints of membersUser other than current, read by LockUser;
	// any write clears them.
	members     []pinpoint.Member
	membersUser string
	hasMembers  bool
}

// endpointRow is an endpoints row as the write path reads it.
type endpointRow struct {
	doc                     []byte
	status, userID, address string
}

// scanEndpointRow reads the columns doc, status, user_id, address of a queued query and passes the
// row to found; no row is not an error (found is not called).
func scanEndpointRow(found func(*endpointRow)) func(pgx.Row) error {
	return func(row pgx.Row) error {
		r := &endpointRow{}
		err := row.Scan(&r.doc, &r.status, &r.userID, &r.address)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found(r)
		return nil
	}
}

func newWriteTx(t *pipeTx, appID string, n int) *writeTx {
	return &writeTx{t: t, appID: appID, existed: make(map[string]bool, n), users: make(map[string]string)}
}

// maxUserLockTries bounds LockUser's loop; see there.
const maxUserLockTries = 3

var errUserVanished = errors.New("postgres: user row deleted while locking it")

// queueLockRows queues the statements that lock, in a canonical order, the rows that the writes of a
// call would otherwise lock in the order of the writes: the rows of the endpoints ids (sorted) in ID
// order, then (lockUsers) the rows of the users they belong to in user ID order. Every transaction
// locks endpoints before users, so two calls over the same endpoints or users wait for each other
// instead of deadlocking. (Locks that depend on the merge — a user an endpoint joins, an endpoint
// evicted or deactivated — are still taken as the writes go; a deadlock among those is detected by
// the database and retried.) The rows read are kept in rows and users for Endpoint and LockUser.
//
// Each row is read by its whole primary key, one statement per row (all in one round trip): a
// prepared statement's plan becomes generic after a few runs, and the generic plan of
// "id = ANY($2)", made while the table was small, scans every endpoint of the app.
//
// The statements name the account, so that a call for another account's app (which fails once
// the app's row is read) locks nothing.
//
// With one endpoint, its user's row is locked in the same round trip: that statement, run after
// the first in the same transaction, sees the endpoint's current user ID since the first holds its
// row. With more, the users are only known once the endpoints are read: lockUsers locks them next.
func (w *writeTx) queueLockRows(account string, ids []string) {
	w.rows = make(map[string]*endpointRow, len(ids))
	for _, id := range ids {
		w.rows[id] = nil
		w.t.queue(`SELECT doc, status, user_id, address FROM endpoints
			WHERE app_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM apps WHERE app_id = $1 AND account = $3)
			FOR UPDATE`, w.appID, id, account).QueryRow(scanEndpointRow(func(r *endpointRow) { w.rows[id] = r }))
	}
	w.lockUsersNext = len(ids) > 1
	if len(ids) == 1 {
		w.t.queue(`SELECT user_id, attrs FROM users
			WHERE app_id = $1 AND user_id = (SELECT user_id FROM endpoints WHERE app_id = $1 AND id = $2)
				AND EXISTS (SELECT 1 FROM apps WHERE app_id = $1 AND account = $3)
			FOR UPDATE`, w.appID, ids[0], account).Query(w.scanUsers)
	}
}

// lockUsers locks, in user ID order, the rows of the users of the endpoints queueLockRows read, when
// it did not already.
func (w *writeTx) lockUsers(ctx context.Context) error {
	if !w.lockUsersNext {
		return nil
	}
	w.lockUsersNext = false
	var users []string
	for _, r := range w.rows {
		if r != nil && r.userID != "" {
			users = append(users, r.userID)
		}
	}
	if len(users) == 0 {
		return nil
	}
	slices.Sort(users)
	users = slices.Compact(users)
	for _, u := range users {
		w.t.queue("SELECT user_id, attrs FROM users WHERE app_id = $1 AND user_id = $2 FOR UPDATE", w.appID, u).Query(w.scanUsers)
	}
	return w.t.send(ctx)
}

func (w *writeTx) scanUsers(rows pgx.Rows) error {
	for rows.Next() {
		var user, attrs string
		if err := rows.Scan(&user, &attrs); err != nil {
			return err
		}
		w.users[user] = attrs
	}
	return rows.Err()
}

// forget drops everything read ahead, after a rollback to a savepoint undid an unknown part of it.
func (w *writeTx) forget() {
	clear(w.rows)
	clear(w.users)
	w.wrote()
}

// wrote is called for every write queued: it may change the endpoints read ahead for UserMembers.
func (w *writeTx) wrote() {
	w.members, w.membersUser, w.hasMembers = nil, "", false
}

func (w *writeTx) Endpoint(ctx context.Context, id string) (*pinpoint.Endpoint, error) {
	w.current = id
	w.wrote()
	r, ok := w.rows[id]
	if ok {
		delete(w.rows, id)
	} else {
		w.t.queue("SELECT doc, status, user_id, address FROM endpoints WHERE app_id = $1 AND id = $2 FOR UPDATE",
			w.appID, id).QueryRow(scanEndpointRow(func(x *endpointRow) { r = x }))
		if err := w.t.send(ctx); err != nil {
			return nil, err
		}
	}
	if r == nil {
		w.existed[id] = false
		return nil, nil
	}
	w.existed[id] = true
	e, err := store.DecodeEndpoint(r.doc, r.status, r.userID)
	return e, dbErr(err)
}

// LockUser inserts the user's row unless it exists, then locks it. Under READ COMMITTED the
// SELECT … FOR UPDATE may find no row when a concurrent DeleteUserEndpoints deleted it after the
// INSERT saw it; the loop then creates it again. A user whose row this transaction holds already
// is answered without a round trip.
func (w *writeTx) LockUser(ctx context.Context, userID string) (map[string][]string, error) {
	attrs, ok := w.users[userID]
	for try := 0; !ok; try++ {
		if try == maxUserLockTries {
			return nil, dbErr(fmt.Errorf("%w: %q", errUserVanished, userID))
		}
		w.t.queue("INSERT INTO users (app_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", w.appID, userID)
		w.t.queue("SELECT attrs FROM users WHERE app_id = $1 AND user_id = $2 FOR UPDATE", w.appID, userID).QueryRow(func(row pgx.Row) error {
			err := row.Scan(&attrs)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			ok = err == nil
			return err
		})
		// The user's other endpoints, which ApplyWrite asks for next when the endpoint joins the
		// user; read under the user's lock, so current until this transaction writes.
		var members []pinpoint.Member
		if w.current != "" {
			w.queueMembers(userID, w.current, &members)
		}
		if err := w.t.send(ctx); err != nil {
			return nil, err
		}
		if ok && w.current != "" {
			w.members, w.membersUser, w.hasMembers = members, userID, true
		}
	}
	w.users[userID] = attrs
	var m map[string][]string
	return m, dbErr(store.DecodeJSON(attrs, &m))
}

func (w *writeTx) queueMembers(userID, exceptID string, ms *[]pinpoint.Member) {
	// "user_id <> ''" is endpoints_user's predicate, so that generic plans use the index (see
	// DeactivateAddress).
	w.t.queue(`SELECT id, channel_type, effective_date FROM endpoints
		WHERE app_id = $1 AND user_id = $2 AND user_id <> '' AND id <> $3`, w.appID, userID, exceptID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var m pinpoint.Member
			if err := rows.Scan(&m.ID, &m.ChannelType, &m.EffectiveDate); err != nil {
				return err
			}
			*ms = append(*ms, m)
		}
		return rows.Err()
	})
}

func (w *writeTx) UserMembers(ctx context.Context, userID, exceptID string) ([]pinpoint.Member, error) {
	if w.hasMembers && w.membersUser == userID && w.current == exceptID {
		ms := w.members
		w.wrote()
		return ms, nil
	}
	var ms []pinpoint.Member
	w.queueMembers(userID, exceptID, &ms)
	return ms, w.t.send(ctx)
}

func (w *writeTx) PutUser(ctx context.Context, userID string, attrs map[string][]string) error {
	s, err := store.EncodeJSON(attrs)
	if err != nil {
		return dbErr(err)
	}
	w.wrote()
	w.t.queue("UPDATE users SET attrs = $3 WHERE app_id = $1 AND user_id = $2", w.appID, userID, s)
	if _, ok := w.users[userID]; ok {
		w.users[userID] = s
	}
	return nil
}

// DropUserIfUnused deletes the user's row unless an endpoint names it. The caller holds the row's
// lock (LockUser), so no endpoint can join the user between the check and the delete.
func (w *writeTx) DropUserIfUnused(ctx context.Context, userID string) error {
	w.wrote()
	delete(w.users, userID)
	w.t.queue(`DELETE FROM users WHERE app_id = $1 AND user_id = $2
		AND NOT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND user_id = $2 AND user_id <> '')`, w.appID, userID)
	return nil
}

func (w *writeTx) Evict(ctx context.Context, id string) error {
	w.wrote()
	delete(w.rows, id)
	w.t.queue("UPDATE endpoints SET status = $3, user_id = '' WHERE app_id = $1 AND id = $2",
		w.appID, id, pinpoint.StatusInactive)
	return nil
}

func (w *writeTx) DeactivateAddress(ctx context.Context, address, exceptID string) error {
	w.wrote()
	for id, r := range w.rows {
		if r != nil && r.address == address {
			delete(w.rows, id)
		}
	}
	// The conditions repeat the predicate of endpoints_active_address, literally: the plan of a
	// prepared statement is generic after a few runs, and only a literal proves that the partial
	// index applies (with "status = $5" the generic plan scans every endpoint of the app).
	w.t.queue(`UPDATE endpoints SET status = $4
		WHERE app_id = $1 AND address = $2 AND address <> '' AND status = 'ACTIVE' AND id <> $3`,
		w.appID, address, exceptID, pinpoint.StatusInactive)
	return nil
}

func (w *writeTx) PutEndpoint(ctx context.Context, e *pinpoint.Endpoint) error {
	existed, read := w.existed[e.ID]
	if !read {
		return dbErr(fmt.Errorf("postgres: endpoint %q written without being read", e.ID))
	}
	w.wrote()
	delete(w.rows, e.ID)
	q := `INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	if existed {
		q = `UPDATE endpoints SET address = $3, channel_type = $4, status = $5, user_id = $6,
			effective_date = $7, doc = $8 WHERE app_id = $1 AND id = $2`
	}
	w.t.queue(q, w.appID, e.ID, e.Address, e.ChannelType, e.EndpointStatus, e.User.UserID, e.EffectiveDate,
		store.EncodeEndpointBinary(e))
	w.existed[e.ID] = true
	return nil
}

func (w *writeTx) PutEvents(ctx context.Context, endpointID string, events []store.Event) error {
	// One multi-row INSERT … VALUES: on Citus a statement whose rows all carry one app_id is routed
	// to that app's shard, where an INSERT … SELECT FROM unnest(…) would go through the
	// coordinator with a two-phase commit.
	var q strings.Builder
	q.WriteString(`INSERT INTO events (app_id, endpoint_id, event_id, event_type, ts, body) VALUES `)
	args := make([]any, 0, 2+4*len(events))
	args = append(args, w.appID, endpointID)
	var last time.Time
	for i, ev := range events {
		if i > 0 {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "($1, $2, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
		args = append(args, ev.ID, ev.Type, ev.Timestamp, string(ev.Body))
		if i == 0 || ev.Timestamp.After(last) {
			last = ev.Timestamp
		}
	}
	q.WriteString(" ON CONFLICT DO NOTHING")
	w.wrote()
	w.t.queue(q.String(), args...)
	w.t.queue(`UPDATE endpoints SET last_event_at = GREATEST(COALESCE(last_event_at, $3), $3)
		WHERE app_id = $1 AND id = $2`, w.appID, endpointID, last)
	return nil
}
