package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// rowQuerier is what reads need: the reader pool or the writer connection.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) scanner
}

func (c *conn) QueryRowContext(ctx context.Context, q string, args ...any) scanner {
	return c.queryRow(ctx, q, args...)
}

const appColumns = "app_id, account, name, creation_date, tags, excluded"

func getApp(ctx context.Context, q rowQuerier, account, appID string) (pinpoint.App, error) {
	a, err := store.ScanApp(q.QueryRowContext(ctx, "SELECT "+appColumns+" FROM apps WHERE app_id = ? AND account = ?", appID, account))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w: %s", store.ErrAppNotFound, appID)
	}
	if err != nil {
		return a, fmt.Errorf("sqlite: get app: %w", err)
	}
	return a, nil
}

// app returns an app of account for a write. The writer caches apps: it is the only connection
// that changes them, UpdateApp and DeleteApp drop the entry, and a failed commit empties the cache,
// so the cache never shows what the database does not hold. Callers must not modify the result.
func (c *conn) app(ctx context.Context, account, appID string) (pinpoint.App, error) {
	if a, ok := c.apps[appID]; ok && a.Account == account {
		return a, nil
	}
	a, err := getApp(ctx, c, account, appID)
	if err != nil {
		return a, err
	}
	if len(c.apps) >= 4096 {
		clear(c.apps)
	}
	c.apps[appID] = a
	return a, nil
}

// CreateApp implements store.Store.
func (s *Store) CreateApp(ctx context.Context, app pinpoint.App) error {
	tags, err := store.EncodeJSON(orEmpty(app.Tags))
	if err != nil {
		return err
	}
	excluded, err := store.EncodeJSON(orEmpty(app.Excluded))
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		_, err := c.exec(ctx, "INSERT INTO apps ("+appColumns+") VALUES (?, ?, ?, ?, ?, ?)",
			app.ID, app.Account, app.Name, app.CreationDate, tags, excluded)
		if isConstraint(err) {
			return fmt.Errorf("%w: app %s", store.ErrExists, app.ID)
		}
		return wrap("create app", err)
	})
}

// GetApp implements store.Store.
func (s *Store) GetApp(ctx context.Context, account, appID string) (pinpoint.App, error) {
	return getApp(ctx, s.reader, account, appID)
}

// ListApps implements store.Store.
func (s *Store) ListApps(ctx context.Context, account, after string, limit int) ([]pinpoint.App, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+appColumns+" FROM apps WHERE account = ? AND app_id > ? ORDER BY app_id LIMIT ?", account, after, limit)
	if err != nil {
		return nil, wrap("list apps", err)
	}
	defer rows.Close()
	var apps []pinpoint.App
	for rows.Next() {
		a, err := store.ScanApp(rows)
		if err != nil {
			return nil, wrap("list apps", err)
		}
		apps = append(apps, a)
	}
	return apps, wrap("list apps", rows.Err())
}

// UpdateApp implements store.Store.
func (s *Store) UpdateApp(ctx context.Context, account, appID string, fn func(*pinpoint.App) error) (pinpoint.App, error) {
	var out pinpoint.App
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		a, err := getApp(ctx, c, account, appID)
		if err != nil {
			return err
		}
		id, acct, created := a.ID, a.Account, a.CreationDate
		if err := fn(&a); err != nil {
			return err
		}
		a.ID, a.Account, a.CreationDate = id, acct, created
		tags, err := store.EncodeJSON(orEmpty(a.Tags))
		if err != nil {
			return err
		}
		excluded, err := store.EncodeJSON(orEmpty(a.Excluded))
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, "UPDATE apps SET name = ?, tags = ?, excluded = ? WHERE app_id = ?", a.Name, tags, excluded, a.ID); err != nil {
			return wrap("update app", err)
		}
		delete(c.apps, a.ID)
		out = a
		return nil
	})
	return out, err
}

// DeleteApp implements store.Store.
func (s *Store) DeleteApp(ctx context.Context, account, appID string) (pinpoint.App, error) {
	var out pinpoint.App
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		a, err := getApp(ctx, c, account, appID)
		if err != nil {
			return err
		}
		delete(c.apps, appID)
		for _, table := range []string{"events", "endpoints", "users", "segment_members", "segment_versions", "segments", "jobs", "apps"} {
			if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE app_id = ?", appID); err != nil {
				return wrap("delete app", err)
			}
		}
		out = a
		return nil
	})
	return out, err
}

// endpointSelect reads endpoints with their user's attributes; byUser selects a user's endpoints.
// Without statistics SQLite's planner prefers the primary key's app_id prefix over the user index,
// hence INDEXED BY.
const (
	rowColumns      = `e.doc, e.status, e.user_id, COALESCE(u.attrs, '') FROM endpoints e `
	endpointColumns = "SELECT " + rowColumns
	userJoin        = `LEFT JOIN users u ON u.app_id = e.app_id AND u.user_id = e.user_id AND e.user_id <> '' `
	endpointSelect  = endpointColumns + userJoin + "WHERE e.app_id = ? "
	endpointByID    = endpointSelect + "AND e.id = ?"
	byUserSelect    = endpointColumns + "INDEXED BY endpoints_user " + userJoin + "WHERE e.app_id = ? AND e.user_id = ? ORDER BY e.id"
	// byIDsSelect reads the endpoints whose IDs a JSON array names, each row led by its ID.
	byIDsSelect = "SELECT e.id, " + rowColumns + userJoin + "WHERE e.app_id = ? AND e.id IN (SELECT value FROM json_each(?))"
)

func scanEndpoint(row interface{ Scan(...any) error }) (*pinpoint.Endpoint, error) {
	var doc []byte
	var status, userID, attrs string
	if err := row.Scan(&doc, &status, &userID, &attrs); err != nil {
		return nil, err
	}
	e, err := store.DecodeEndpoint(doc, status, userID)
	if err != nil {
		return nil, err
	}
	if userID != "" {
		e.User.UserAttributes = nil
		if err := store.DecodeJSON(attrs, &e.User.UserAttributes); err != nil {
			return nil, err
		}
		if len(e.User.UserAttributes) == 0 {
			e.User.UserAttributes = nil
		}
	}
	return e, nil
}

// GetEndpoint implements store.Store.
func (s *Store) GetEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error) {
	e, err := scanEndpoint(s.reader.QueryRowContext(ctx, endpointSelect+"AND e.id = ? AND EXISTS (SELECT 1 FROM apps WHERE app_id = ? AND account = ?)", appID, id, appID, account))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := getApp(ctx, s.reader, account, appID); err != nil {
			return pinpoint.Endpoint{}, err
		}
		return pinpoint.Endpoint{}, fmt.Errorf("%w: %s", store.ErrEndpointNotFound, id)
	}
	if err != nil {
		return pinpoint.Endpoint{}, wrap("get endpoint", err)
	}
	return *e, nil
}

// WriteEndpoints implements store.Store. All writes of one call run in one job of the commit loop;
// the single writer serializes them against every other write.
func (s *Store) WriteEndpoints(ctx context.Context, account, appID string, writes []store.EndpointWrite, atomic bool) ([]store.WriteResult, error) {
	results := make([]store.WriteResult, len(writes))
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		clear(results)
		app, err := c.app(ctx, account, appID)
		if err != nil {
			return err
		}
		tx := &writeTx{c: c, app: appID}
		if len(writes) > 1 {
			if err := tx.prefetch(ctx, writes); err != nil {
				return err
			}
		}
		for i, w := range writes {
			if !atomic {
				if _, err := c.exec(ctx, "SAVEPOINT w"); err != nil {
					return wrap("savepoint", err)
				}
			}
			e, err := store.ApplyWrite(ctx, tx, &app, ownErrors(w))
			own := isDomainErr(err)
			var r *refusal
			if errors.As(err, &r) {
				err, own = r.err, true
			}
			if err != nil && (atomic || !own) {
				return err
			}
			if !atomic {
				if err != nil {
					if _, rerr := c.exec(ctx, "ROLLBACK TO w"); rerr != nil {
						return wrap("rollback to savepoint", rerr)
					}
				}
				if _, err := c.exec(ctx, "RELEASE w"); err != nil {
					return wrap("release savepoint", err)
				}
			}
			results[i] = store.WriteResult{Endpoint: e, Err: err}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// isDomainErr reports whether err is a refusal of one write (its own fault) rather than a failure
// of the database, which must abort the whole call.
func isDomainErr(err error) bool {
	var pe *pinpoint.Error
	return errors.As(err, &pe)
}

// refusal carries an error the updater of one write returned: whatever its type, it is that
// write's failure, not the database's (see store.Store.WriteEndpoints).
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }

// ownErrors returns w with an updater that marks its errors as refusals.
func ownErrors(w store.EndpointWrite) store.EndpointWrite {
	update := w.Update
	w.Update = func(app *pinpoint.App, old *pinpoint.Endpoint, attrs map[string][]string) (*pinpoint.Endpoint, error) {
		e, err := update(app, old, attrs)
		if err != nil {
			return nil, &refusal{err}
		}
		return e, nil
	}
	return w
}

// DeleteEndpoint implements store.Store.
func (s *Store) DeleteEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error) {
	var out pinpoint.Endpoint
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, account, appID); err != nil {
			return err
		}
		e, err := scanEndpoint(c.queryRow(ctx, endpointByID, appID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", store.ErrEndpointNotFound, id)
		}
		if err != nil {
			return wrap("delete endpoint", err)
		}
		if _, err := c.exec(ctx, "DELETE FROM endpoints WHERE app_id = ? AND id = ?", appID, id); err != nil {
			return wrap("delete endpoint", err)
		}
		if _, err := c.exec(ctx, "DELETE FROM events WHERE app_id = ? AND endpoint_id = ?", appID, id); err != nil {
			return wrap("delete endpoint", err)
		}
		if e.User.UserID != "" {
			tx := &writeTx{c: c, app: appID}
			if err := tx.DropUserIfUnused(ctx, e.User.UserID); err != nil {
				return err
			}
		}
		out = *e
		return nil
	})
	return out, err
}

func userEndpoints(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (rowIter, error)
}, appID, userID string) ([]pinpoint.Endpoint, error) {
	rows, err := q.QueryContext(ctx, byUserSelect, appID, userID)
	if err != nil {
		return nil, wrap("user endpoints", err)
	}
	defer rows.Close()
	var out []pinpoint.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, wrap("user endpoints", err)
		}
		out = append(out, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("user endpoints", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", store.ErrUserNotFound, userID)
	}
	return out, nil
}

func (c *conn) QueryContext(ctx context.Context, q string, args ...any) (rowIter, error) {
	return c.query(ctx, q, args...)
}

// GetUserEndpoints implements store.Store.
func (s *Store) GetUserEndpoints(ctx context.Context, account, appID, userID string) ([]pinpoint.Endpoint, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	return userEndpoints(ctx, s.reader, appID, userID)
}

// DeleteUserEndpoints implements store.Store.
func (s *Store) DeleteUserEndpoints(ctx context.Context, account, appID, userID string) ([]pinpoint.Endpoint, error) {
	var out []pinpoint.Endpoint
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, account, appID); err != nil {
			return err
		}
		eps, err := userEndpoints(ctx, c, appID, userID)
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, "DELETE FROM events WHERE app_id = ? AND endpoint_id IN (SELECT id FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id = ?)", appID, appID, userID); err != nil {
			return wrap("delete user endpoints", err)
		}
		for _, q := range []string{
			"DELETE FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id = ?",
			"DELETE FROM users WHERE app_id = ? AND user_id = ?",
		} {
			if _, err := c.exec(ctx, q, appID, userID); err != nil {
				return wrap("delete user endpoints", err)
			}
		}
		out = eps
		return nil
	})
	return out, err
}

// ListEvents implements store.Store.
func (s *Store) ListEvents(ctx context.Context, account, appID, endpointID string) ([]store.Event, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT event_id, event_type, ts, body FROM events WHERE app_id = ? AND endpoint_id = ? ORDER BY event_id", appID, endpointID)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var ev store.Event
		var ts string
		if err := rows.Scan(&ev.ID, &ev.Type, &ts, &ev.Body); err != nil {
			return nil, wrap("list events", err)
		}
		ev.Timestamp, _ = time.Parse(time.RFC3339Nano, ts)
		out = append(out, ev)
	}
	return out, wrap("list events", rows.Err())
}

// writeTx implements store.Tx on the writer connection. The single writer is the lock.
type writeTx struct {
	c   *conn
	app string
	// Endpoint reads the endpoint's user's attributes in the same query; LockUser then needs no
	// query of its own for that user.
	userID    string
	userAttrs string
	// read is the row Endpoint last read: PutEndpoint of the same endpoint with the same indexed
	// columns need not touch the indexes.
	read indexedColumns
	// rows holds, for a call writing several endpoints, their rows as they were when the call
	// began (an ID without an entry has no row); nil when not loaded or no longer current.
	rows map[string]endpointRow
}

// endpointRow is an endpoints row with its user's attributes (endpointColumns).
type endpointRow struct {
	doc                   []byte
	status, userID, attrs string
}

// prefetch reads the rows of every endpoint the call writes in one query. They stay current while
// the call writes only endpoints it has read already (each write reads its own row first, and a
// call that names an ID twice is not prefetched); a statement that may change another endpoint's
// row or a user's attributes (Evict, DeactivateAddress, PutUser, DropUserIfUnused) drops them.
func (t *writeTx) prefetch(ctx context.Context, writes []store.EndpointWrite) error {
	ids := make([]string, len(writes))
	for i, w := range writes {
		ids[i] = w.ID
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) < len(ids) {
		return nil
	}
	js, err := store.EncodeJSON(ids)
	if err != nil {
		return err
	}
	rows, err := t.c.query(ctx, byIDsSelect, t.app, js)
	if err != nil {
		return wrap("read endpoints", err)
	}
	defer rows.Close()
	t.rows = make(map[string]endpointRow, len(writes))
	for rows.Next() {
		var id string
		var r endpointRow
		if err := rows.Scan(&id, &r.doc, &r.status, &r.userID, &r.attrs); err != nil {
			t.rows = nil
			return wrap("read endpoints", err)
		}
		t.rows[id] = r
	}
	if err := rows.Err(); err != nil {
		t.rows = nil
		return wrap("read endpoints", err)
	}
	return nil
}

// indexedColumns are an endpoint row's key and the columns its secondary indexes cover.
type indexedColumns struct {
	id, address, status, userID string
}

func (t *writeTx) Endpoint(ctx context.Context, id string) (*pinpoint.Endpoint, error) {
	var r endpointRow
	t.userID, t.userAttrs, t.read = "", "", indexedColumns{}
	if t.rows != nil {
		var ok bool
		if r, ok = t.rows[id]; !ok {
			return nil, nil
		}
	} else {
		err := t.c.queryRow(ctx, endpointByID, t.app, id).Scan(&r.doc, &r.status, &r.userID, &r.attrs)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, wrap("read endpoint", err)
		}
	}
	t.userID, t.userAttrs = r.userID, r.attrs
	e, err := store.DecodeEndpoint(r.doc, r.status, r.userID)
	if err != nil {
		return nil, err
	}
	t.read = indexedColumns{id: id, address: e.Address, status: r.status, userID: r.userID}
	return e, nil
}

func (t *writeTx) LockUser(ctx context.Context, userID string) (map[string][]string, error) {
	var attrs string
	if userID == t.userID {
		attrs = t.userAttrs
	} else {
		err := t.c.queryRow(ctx, "SELECT attrs FROM users WHERE app_id = ? AND user_id = ?", t.app, userID).Scan(&attrs)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, wrap("read user", err)
		}
	}
	var m map[string][]string
	if err := store.DecodeJSON(attrs, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func (t *writeTx) UserMembers(ctx context.Context, userID, exceptID string) ([]pinpoint.Member, error) {
	rows, err := t.c.query(ctx, "SELECT id, channel_type, effective_date FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id = ? AND id <> ?", t.app, userID, exceptID)
	if err != nil {
		return nil, wrap("user members", err)
	}
	defer rows.Close()
	var out []pinpoint.Member
	for rows.Next() {
		var m pinpoint.Member
		if err := rows.Scan(&m.ID, &m.ChannelType, &m.EffectiveDate); err != nil {
			return nil, wrap("user members", err)
		}
		out = append(out, m)
	}
	return out, wrap("user members", rows.Err())
}

func (t *writeTx) PutUser(ctx context.Context, userID string, attrs map[string][]string) error {
	t.rows = nil
	js, err := store.EncodeJSON(orEmpty(attrs))
	if err != nil {
		return err
	}
	_, err = t.c.exec(ctx, "INSERT INTO users (app_id, user_id, attrs) VALUES (?, ?, ?) ON CONFLICT (app_id, user_id) DO UPDATE SET attrs = excluded.attrs", t.app, userID, js)
	return wrap("put user", err)
}

func (t *writeTx) DropUserIfUnused(ctx context.Context, userID string) error {
	t.rows = nil
	_, err := t.c.exec(ctx, "DELETE FROM users WHERE app_id = ? AND user_id = ? AND NOT EXISTS (SELECT 1 FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id = ?)", t.app, userID, t.app, userID)
	return wrap("drop user", err)
}

func (t *writeTx) Evict(ctx context.Context, id string) error {
	t.rows = nil
	_, err := t.c.exec(ctx, "UPDATE endpoints SET status = 'INACTIVE', user_id = '' WHERE app_id = ? AND id = ?", t.app, id)
	return wrap("evict endpoint", err)
}

func (t *writeTx) DeactivateAddress(ctx context.Context, address, exceptID string) error {
	t.rows = nil
	_, err := t.c.exec(ctx, "UPDATE endpoints SET status = 'INACTIVE' WHERE app_id = ? AND address = ? AND address <> '' AND status = 'ACTIVE' AND id <> ?", t.app, address, exceptID)
	return wrap("deactivate address", err)
}

func (t *writeTx) PutEndpoint(ctx context.Context, e *pinpoint.Endpoint) error {
	t.c.doc = store.AppendEndpointDoc(t.c.doc[:0], e)
	doc := t.c.doc
	if (indexedColumns{e.ID, e.Address, e.EndpointStatus, e.User.UserID}) == t.read {
		// An UPDATE that sets no indexed column leaves the indexes alone (an upsert rewrites every
		// index entry of the row). The WHERE clause makes it a no-op if the row changed after the
		// read, in which case the upsert below runs.
		res, err := t.c.exec(ctx, "UPDATE endpoints SET channel_type = ?, effective_date = ?, doc = ? WHERE app_id = ? AND id = ? AND address = ? AND status = ? AND user_id = ?",
			e.ChannelType, e.EffectiveDate, doc, t.app, e.ID, e.Address, e.EndpointStatus, e.User.UserID)
		if err != nil {
			return wrap("put endpoint", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
	}
	_, err := t.c.exec(ctx, `INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (app_id, id) DO UPDATE SET address = excluded.address, channel_type = excluded.channel_type,
  status = excluded.status, user_id = excluded.user_id, effective_date = excluded.effective_date, doc = excluded.doc`,
		t.app, e.ID, e.Address, e.ChannelType, e.EndpointStatus, e.User.UserID, e.EffectiveDate, doc)
	return wrap("put endpoint", err)
}

func (t *writeTx) PutEvents(ctx context.Context, endpointID string, events []store.Event) error {
	var last time.Time
	for _, ev := range events {
		if _, err := t.c.exec(ctx, "INSERT INTO events (app_id, endpoint_id, event_id, event_type, ts, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			t.app, endpointID, ev.ID, ev.Type, ev.Timestamp.UTC().Format(time.RFC3339Nano), ev.Body); err != nil {
			return wrap("put event", err)
		}
		if ev.Timestamp.After(last) {
			last = ev.Timestamp
		}
	}
	if last.IsZero() {
		return nil
	}
	_, err := t.c.exec(ctx, "UPDATE endpoints SET last_event_at = ? WHERE app_id = ? AND id = ? AND (last_event_at IS NULL OR last_event_at < ?)",
		pinpoint.FormatTime(last), t.app, endpointID, pinpoint.FormatTime(last))
	return wrap("put events", err)
}

// PutKey implements store.Store.
func (s *Store) PutKey(ctx context.Context, k store.Key) error {
	allow, err := store.EncodeJSON(orEmptySlice(k.Allow))
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		_, err := c.exec(ctx, "INSERT INTO access_keys (access_key_id, secret, account, allow, created, revoked) VALUES (?, ?, ?, ?, ?, ?)",
			k.AccessKeyID, k.Secret, k.Account, allow, k.Created.UTC().Format(time.RFC3339Nano), k.Revoked)
		if isConstraint(err) {
			return fmt.Errorf("%w: key %s", store.ErrExists, k.AccessKeyID)
		}
		return wrap("put key", err)
	})
}

const keyColumns = "access_key_id, secret, account, allow, created, revoked"

func scanKey(row interface{ Scan(...any) error }) (store.Key, error) {
	var k store.Key
	var allow, created string
	if err := row.Scan(&k.AccessKeyID, &k.Secret, &k.Account, &allow, &created, &k.Revoked); err != nil {
		return k, err
	}
	k.Created, _ = time.Parse(time.RFC3339Nano, created)
	if err := store.DecodeJSON(allow, &k.Allow); err != nil {
		return k, err
	}
	if len(k.Allow) == 0 {
		k.Allow = nil
	}
	return k, nil
}

// GetKey implements store.Store.
func (s *Store) GetKey(ctx context.Context, accessKeyID string) (store.Key, error) {
	k, err := scanKey(s.reader.QueryRowContext(ctx, "SELECT "+keyColumns+" FROM access_keys WHERE access_key_id = ?", accessKeyID))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("%w: %s", store.ErrKeyNotFound, accessKeyID)
	}
	return k, wrap("get key", err)
}

// ListKeys implements store.Store.
func (s *Store) ListKeys(ctx context.Context) ([]store.Key, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+keyColumns+" FROM access_keys ORDER BY access_key_id")
	if err != nil {
		return nil, wrap("list keys", err)
	}
	defer rows.Close()
	var out []store.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, wrap("list keys", err)
		}
		out = append(out, k)
	}
	return out, wrap("list keys", rows.Err())
}

// RevokeKey implements store.Store.
func (s *Store) RevokeKey(ctx context.Context, accessKeyID string) error {
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		res, err := c.exec(ctx, "UPDATE access_keys SET revoked = 1 WHERE access_key_id = ?", accessKeyID)
		if err != nil {
			return wrap("revoke key", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", store.ErrKeyNotFound, accessKeyID)
		}
		return nil
	})
}

func isConstraint(err error) bool {
	code, ok := resultCode(err)
	return ok && code == codeConstraint
}

// wrap adds context to a database error; nil stays nil. I/O-level failures are marked unavailable.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch code, _ := resultCode(err); code {
	case codeIOErr, codeFull, codeCantOpen, codeBusy, codeLocked:
		return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func orEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

func orEmptySlice(s []string) []string {
	s = slices.Clone(s)
	if s == nil {
		return []string{}
	}
	slices.Sort(s)
	return s
}
