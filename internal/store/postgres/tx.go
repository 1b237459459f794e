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

// writeRows is store.Rows on one PostgreSQL transaction (a pipeTx) and one app. Every error it
// returns is marked as the database's (dbErr), so WriteEndpoints can tell it from an updater's or
// the domain's. It keeps nothing between calls: what the call has read, store.Write holds.
//
// Locking: Load locks the rows of the call's endpoints (SELECT … FOR UPDATE) in ID order, reading
// their users' attributes with them without locking the users, then locks the users new endpoints
// will join in user ID order; Users locks a user when a write changes it (its attributes, or an
// endpoint joining or leaving it) and Load did not lock it. An update that keeps its user and the
// user's attributes, the common case, thus locks only its endpoint: it changes nothing another
// writer of the user could depend on. A user is locked by its row, which is created
// first when missing, so that writers joining one new user wait for each other too. Every
// transaction locks endpoints before users, so two calls over the same endpoints or users wait
// for each other instead of deadlocking (a lock taken late, by Users, may still deadlock; the
// database detects it and the transaction is retried). The unique index endpoints_active_address
// makes two writers that activate one address at once collide, and the loser is retried.
//
// Round trips: Apply only queues; the queued statements travel with the next read or with
// COMMIT. Load takes one round trip (BEGIN, the app's row, the endpoints with their users'
// attributes), and a second when a new endpoint joins a user: an update that keeps its user and
// its attributes costs two round trips with COMMIT, and so does a group of them.
//
// Statements: one reads (and locks) all the call's endpoints, three create, lock and read the
// members of all the users it joins. Each row is still read by its whole key: a prepared
// statement's plan becomes generic after a few runs, and the generic plan of "id = ANY($2)", made
// while the table was small, scans every endpoint of the app; a LATERAL subquery per key of
// unnest($2) (kept from being flattened by OFFSET 0) has one plan, a lookup of each key by its
// index, whatever the table's size.
type writeRows struct {
	t              *pipeTx
	account, appID string
	// app is read in Load's first round trip; Load fails when it is not account's app.
	app *appRead
}

// endpointRow is an endpoints row as the write path reads it.
type endpointRow struct {
	doc            []byte
	status, userID string
	attrs          *string // the user's attributes; nil without a users row (or without a user)
}

// maxUserLockTries bounds Users' loop; see there.
const maxUserLockTries = 3

var errUserVanished = errors.New("postgres: user row deleted while locking it")

// Load implements store.Rows. The statements name the account, so that a call for another
// account's app (which fails once the app's row is read) locks nothing.
func (w *writeRows) Load(ctx context.Context, ids []string, joins func(map[string]*pinpoint.Endpoint) []string) (store.Loaded, error) {
	rows := make(map[string]*endpointRow, len(ids))
	w.t.queue(`SELECT k.id, x.doc, x.status, x.user_id, x.attrs FROM unnest($2::text[]) AS k(id)
		CROSS JOIN LATERAL (SELECT e.doc, e.status, e.user_id, u.attrs FROM endpoints e
			LEFT JOIN users u ON u.app_id = e.app_id AND u.user_id = e.user_id AND e.user_id <> ''
			WHERE e.app_id = $1 AND e.id = k.id AND EXISTS (SELECT 1 FROM apps WHERE app_id = $1 AND account = $3)
			FOR UPDATE OF e OFFSET 0) AS x`, w.appID, ids, w.account).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var id string
			r := &endpointRow{}
			if err := rs.Scan(&id, &r.doc, &r.status, &r.userID, &r.attrs); err != nil {
				return err
			}
			rows[id] = r
		}
		return rs.Err()
	})
	if err := w.t.send(ctx); err != nil {
		return store.Loaded{}, err
	}
	if !w.app.found {
		return store.Loaded{}, appNotFound(w.appID)
	}
	l := store.Loaded{Endpoints: make(map[string]*pinpoint.Endpoint, len(rows)), Users: map[string]*store.UserRow{}}
	for id, r := range rows {
		e, err := store.DecodeEndpoint(r.doc, r.status, r.userID)
		if err != nil {
			return l, dbErr(err)
		}
		l.Endpoints[id] = e
		if r.userID != "" && l.Users[r.userID] == nil {
			u := &store.UserRow{Exists: r.attrs != nil}
			if r.attrs != nil {
				if err := decodeAttrs(*r.attrs, &u.Attrs); err != nil {
					return l, err
				}
			}
			l.Users[r.userID] = u
		}
	}
	var joined []string
	if joins != nil {
		joined = joins(l.Endpoints)
	}
	if len(joined) == 0 {
		return l, nil
	}
	users := l.Users
	w.queueLockUsers(joined, users)
	if err := w.t.send(ctx); err != nil {
		return l, err
	}
	// A joined user whose row a concurrent DeleteUserEndpoints removed after the INSERT saw it is
	// left to Users, which creates it again.
	for _, u := range joined {
		if r := users[u]; r != nil && !r.Exists {
			delete(users, u)
		}
	}
	return l, nil
}

// scanUsers reads user_id, attrs rows, locked, into users, as existing rows.
func scanUsers(users map[string]*store.UserRow) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		for rows.Next() {
			var id, attrs string
			if err := rows.Scan(&id, &attrs); err != nil {
				return err
			}
			u := &store.UserRow{Locked: true, Exists: true}
			if err := decodeAttrs(attrs, &u.Attrs); err != nil {
				return err
			}
			users[id] = u
		}
		return rows.Err()
	}
}

// decodeAttrs decodes a users.attrs column into *m, nil when empty.
func decodeAttrs(s string, m *map[string][]string) error {
	*m = nil
	if err := store.DecodeJSON(s, m); err != nil {
		return dbErr(err)
	}
	if len(*m) == 0 {
		*m = nil
	}
	return nil
}

// queueLockUsers queues three statements: the creation of the rows of the users ids that are
// missing, the lock of each row, in the order of ids, and the read of every endpoint of each user
// into users[id] (created when missing, as a user without a row). The members stay current until
// this transaction changes them, as it holds the users' rows.
func (w *writeRows) queueLockUsers(ids []string, users map[string]*store.UserRow) {
	w.t.queue(insertUsersSQL(len(ids)), insertUsersArgs(w.appID, ids)...)
	w.t.queue(`SELECT x.user_id, x.attrs FROM unnest($2::text[]) AS k(user_id)
		CROSS JOIN LATERAL (SELECT user_id, attrs FROM users WHERE app_id = $1 AND user_id = k.user_id
			FOR UPDATE OFFSET 0) AS x`, w.appID, ids).Query(scanUsers(users))
	// "user_id <> ''" is endpoints_user's predicate (see OpDeactivateAddress).
	w.t.queue(`SELECT k.user_id, x.id, x.channel_type, x.effective_date FROM unnest($2::text[]) AS k(user_id)
		CROSS JOIN LATERAL (SELECT id, channel_type, effective_date FROM endpoints
			WHERE app_id = $1 AND user_id = k.user_id AND user_id <> '' OFFSET 0) AS x`, w.appID, ids).Query(func(rows pgx.Rows) error {
		for _, id := range ids {
			u := users[id]
			if u == nil || !u.Locked {
				u = &store.UserRow{Locked: true} // its row is gone (see Users)
				users[id] = u
			}
			u.Members, u.MembersRead = []pinpoint.Member{}, true
		}
		for rows.Next() {
			var id string
			var m pinpoint.Member
			if err := rows.Scan(&id, &m.ID, &m.ChannelType, &m.EffectiveDate); err != nil {
				return err
			}
			users[id].Members = append(users[id].Members, m)
		}
		return rows.Err()
	})
}

// insertUsersSQL is a multi-row INSERT … VALUES of users rows that exist afterwards, for n users
// rounded up to a power of two (insertUsersArgs repeats the last user), so that few statements
// are prepared. On Citus an INSERT … VALUES whose rows all carry one app_id goes to one shard.
func insertUsersSQL(n int) string {
	n = paddedLen(n)
	var q strings.Builder
	q.WriteString("INSERT INTO users (app_id, user_id) VALUES ")
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($1, $%d)", i+2)
	}
	q.WriteString(" ON CONFLICT DO NOTHING")
	return q.String()
}

func insertUsersArgs(appID string, ids []string) []any {
	args := make([]any, 1, 1+paddedLen(len(ids)))
	args[0] = appID
	for _, id := range ids {
		args = append(args, id)
	}
	for len(args) < cap(args) {
		args = append(args, ids[len(ids)-1])
	}
	return args
}

// paddedLen is n rounded up to a power of two.
func paddedLen(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// Users implements store.Rows: each user's row is created unless it exists, then locked. Under
// READ COMMITTED the SELECT … FOR UPDATE may find no row when a concurrent DeleteUserEndpoints
// deleted it after the INSERT saw it; the loop then creates it again.
func (w *writeRows) Users(ctx context.Context, ids []string) (map[string]*store.UserRow, error) {
	out := make(map[string]*store.UserRow, len(ids))
	pending := ids
	for try := 0; len(pending) > 0; try++ {
		if try == maxUserLockTries {
			return nil, dbErr(fmt.Errorf("%w: %q", errUserVanished, pending[0]))
		}
		w.queueLockUsers(pending, out)
		if err := w.t.send(ctx); err != nil {
			return nil, err
		}
		pending = slices.DeleteFunc(slices.Clone(pending), func(id string) bool { return out[id].Exists })
	}
	return out, nil
}

// Apply implements store.Rows by queueing the changes' statements.
func (w *writeRows) Apply(ctx context.Context, changes []store.Change) error {
	for _, c := range changes {
		switch c.Op {
		case store.OpPutEndpoint:
			w.putEndpoint(c.Endpoint, c.Prev != nil)
		case store.OpPutUser:
			s, err := store.EncodeJSON(c.Attrs)
			if err != nil {
				return dbErr(err)
			}
			w.t.queue(`INSERT INTO users (app_id, user_id, attrs) VALUES ($1, $2, $3)
				ON CONFLICT (app_id, user_id) DO UPDATE SET attrs = excluded.attrs`, w.appID, c.UserID, s)
		case store.OpDropUserIfUnused:
			// The transaction holds the user's row lock, so no endpoint can join the user between
			// the check and the delete.
			w.t.queue(`DELETE FROM users WHERE app_id = $1 AND user_id = $2
				AND NOT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND user_id = $2 AND user_id <> '')`, w.appID, c.UserID)
		case store.OpEvict:
			w.t.queue("UPDATE endpoints SET status = $3, user_id = '' WHERE app_id = $1 AND id = $2",
				w.appID, c.ID, pinpoint.StatusInactive)
		case store.OpDeactivateAddress:
			// The conditions repeat the predicate of endpoints_active_address, literally: the plan
			// of a prepared statement is generic after a few runs, and only a literal proves that
			// the partial index applies (with "status = $5" the generic plan scans every endpoint
			// of the app).
			w.t.queue(`UPDATE endpoints SET status = $4
				WHERE app_id = $1 AND address = $2 AND address <> '' AND status = 'ACTIVE' AND id <> $3`,
				w.appID, c.Address, c.ID, pinpoint.StatusInactive)
		case store.OpPutEvents:
			w.putEvents(c.ID, c.Events)
		default:
			return dbErr(fmt.Errorf("postgres: unknown change %d", c.Op))
		}
	}
	return nil
}

// putEndpoint updates the row of an endpoint that existed when the transaction locked it (or that
// it inserted), and inserts one that did not, never upserts: an upsert would silently overwrite an
// endpoint a concurrent writer created after this transaction looked, losing that writer's
// update; the plain INSERT instead fails on endpoints_pkey and the whole transaction is retried.
func (w *writeRows) putEndpoint(e *pinpoint.Endpoint, exists bool) {
	q := `INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	if exists {
		q = `UPDATE endpoints SET address = $3, channel_type = $4, status = $5, user_id = $6,
			effective_date = $7, doc = $8 WHERE app_id = $1 AND id = $2`
	}
	w.t.queue(q, w.appID, e.ID, e.Address, e.ChannelType, e.EndpointStatus, e.User.UserID, e.EffectiveDate,
		store.EncodeEndpointBinary(e))
}

// putEvents queues one multi-row INSERT … VALUES of the events: on Citus a statement whose rows
// all carry one app_id is routed to that app's shard, where an INSERT … SELECT FROM unnest(…)
// would go through the coordinator with a two-phase commit.
func (w *writeRows) putEvents(endpointID string, events []store.Event) {
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
	w.t.queue(q.String(), args...)
	w.t.queue(`UPDATE endpoints SET last_event_at = GREATEST(COALESCE(last_event_at, $3), $3)
		WHERE app_id = $1 AND id = $2`, w.appID, endpointID, last)
}
