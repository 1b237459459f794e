package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
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
		s.touched.app(appID)
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
	var r endpointRow
	if err := row.Scan(&r.doc, &r.status, &r.userID, &r.attrs); err != nil {
		return nil, err
	}
	return decodeRow(r)
}

// decodeRow rebuilds the endpoint of a row read with endpointColumns, with its user's attributes.
func decodeRow(r endpointRow) (*pinpoint.Endpoint, error) {
	e, err := store.DecodeEndpoint(r.doc, r.status, r.userID)
	if err != nil {
		return nil, err
	}
	if r.userID != "" {
		if err := decodeAttrs(r.attrs, &e.User.UserAttributes); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// GetEndpoint implements store.Store, from the read cache when it holds the endpoint.
func (s *Store) GetEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error) {
	if e, ok := s.cache.get(account, appID, id); ok {
		return e, nil
	}
	gen := s.cache.begin()
	var row endpointRow
	err := s.reader.QueryRowContext(ctx, endpointSelect+"AND e.id = ? AND EXISTS (SELECT 1 FROM apps WHERE app_id = ? AND account = ?)", appID, id, appID, account).Scan(&row.doc, &row.status, &row.userID, &row.attrs)
	var e *pinpoint.Endpoint
	if err == nil {
		row.doc = bytes.Clone(row.doc)
		if e, err = decodeRow(row); err == nil {
			s.cache.fill(gen, account, appID, id, row)
		}
	}
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

// WriteEndpoints implements store.Store with store.Write. All writes of one call run in one job of
// the commit loop; the single writer serializes them against every other write.
func (s *Store) WriteEndpoints(ctx context.Context, account, appID string, writes []store.EndpointWrite, atomic bool) ([]store.WriteResult, error) {
	var results []store.WriteResult
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		app, err := c.app(ctx, account, appID)
		if err != nil {
			return err
		}
		results, err = store.Write(ctx, &writeRows{c: c, app: appID, touched: &s.touched}, &app, writes, atomic)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
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
		s.touched.endpoint(appID, id)
		if _, err := c.exec(ctx, "DELETE FROM endpoints WHERE app_id = ? AND id = ?", appID, id); err != nil {
			return wrap("delete endpoint", err)
		}
		if _, err := c.exec(ctx, "DELETE FROM events WHERE app_id = ? AND endpoint_id = ?", appID, id); err != nil {
			return wrap("delete endpoint", err)
		}
		if e.User.UserID != "" {
			rows := &writeRows{c: c, app: appID, touched: &s.touched}
			if err := rows.Apply(ctx, []store.Change{{Op: store.OpDropUserIfUnused, UserID: e.User.UserID}}); err != nil {
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
		for _, e := range eps {
			s.touched.endpoint(appID, e.ID)
		}
		s.touched.user(appID, userID)
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

// writeRows implements store.Rows on the writer connection. The single writer is the lock (every
// user read is Locked), so reading a row is all Load and Users do; nothing is kept between calls.
type writeRows struct {
	c       *conn
	app     string
	touched *touched // the rows changed, for the read cache
}

// endpointRow is an endpoints row with its user's attributes (endpointColumns): attrs is "" when
// the user has no row.
type endpointRow struct {
	doc                   []byte
	status, userID, attrs string
}

func (r *writeRows) Load(ctx context.Context, ids []string, joins func(map[string]*pinpoint.Endpoint) []string) (store.Loaded, error) {
	l := store.Loaded{Endpoints: make(map[string]*pinpoint.Endpoint, len(ids)), Users: map[string]*store.UserRow{}}
	add := func(id string, row endpointRow) error {
		e, err := store.DecodeEndpoint(row.doc, row.status, row.userID)
		if err != nil {
			return err
		}
		l.Endpoints[id] = e
		if row.userID == "" || l.Users[row.userID] != nil {
			return nil
		}
		u := &store.UserRow{Locked: true, Exists: row.attrs != ""}
		if err := decodeAttrs(row.attrs, &u.Attrs); err != nil {
			return err
		}
		l.Users[row.userID] = u
		return nil
	}
	if len(ids) == 1 {
		var row endpointRow
		err := r.c.queryRow(ctx, endpointByID, r.app, ids[0]).Scan(&row.doc, &row.status, &row.userID, &row.attrs)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return l, wrap("read endpoint", err)
		}
		if err == nil {
			if err := add(ids[0], row); err != nil {
				return l, err
			}
		}
	} else if len(ids) > 1 {
		js, err := store.EncodeJSON(ids)
		if err != nil {
			return l, err
		}
		rows, err := r.c.query(ctx, byIDsSelect, r.app, js)
		if err != nil {
			return l, wrap("read endpoints", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var row endpointRow
			if err := rows.Scan(&id, &row.doc, &row.status, &row.userID, &row.attrs); err != nil {
				return l, wrap("read endpoints", err)
			}
			if err := add(id, row); err != nil {
				return l, err
			}
		}
		if err := rows.Err(); err != nil {
			return l, wrap("read endpoints", err)
		}
	}
	if joins == nil {
		return l, nil
	}
	if us := joins(l.Endpoints); len(us) > 0 {
		got, err := r.Users(ctx, us)
		if err != nil {
			return l, err
		}
		maps.Copy(l.Users, got)
	}
	return l, nil
}

// decodeAttrs decodes a users.attrs column ("" for no row) into *m, nil when empty.
func decodeAttrs(s string, m *map[string][]string) error {
	*m = nil
	if s == "" {
		return nil
	}
	if err := store.DecodeJSON(s, m); err != nil {
		return err
	}
	if len(*m) == 0 {
		*m = nil
	}
	return nil
}

func (r *writeRows) Users(ctx context.Context, ids []string) (map[string]*store.UserRow, error) {
	out := make(map[string]*store.UserRow, len(ids))
	for _, id := range ids {
		out[id] = &store.UserRow{Locked: true, MembersRead: true}
	}
	var attrsQ, membersQ string
	var arg any
	if len(ids) == 1 {
		attrsQ = "SELECT user_id, attrs FROM users WHERE app_id = ? AND user_id = ?"
		membersQ = "SELECT user_id, id, channel_type, effective_date FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id = ?"
		arg = ids[0]
	} else {
		js, err := store.EncodeJSON(ids)
		if err != nil {
			return nil, err
		}
		attrsQ = "SELECT user_id, attrs FROM users WHERE app_id = ? AND user_id IN (SELECT value FROM json_each(?))"
		membersQ = "SELECT user_id, id, channel_type, effective_date FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id IN (SELECT value FROM json_each(?))"
		arg = js
	}
	rows, err := r.c.query(ctx, attrsQ, r.app, arg)
	if err != nil {
		return nil, wrap("read users", err)
	}
	for rows.Next() {
		var id, attrs string
		if err := rows.Scan(&id, &attrs); err != nil {
			rows.Close()
			return nil, wrap("read users", err)
		}
		if u := out[id]; u != nil {
			u.Exists = true
			if err := decodeAttrs(attrs, &u.Attrs); err != nil {
				rows.Close()
				return nil, err
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("read users", err)
	}
	rows, err = r.c.query(ctx, membersQ, r.app, arg)
	if err != nil {
		return nil, wrap("user members", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m pinpoint.Member
		if err := rows.Scan(&id, &m.ID, &m.ChannelType, &m.EffectiveDate); err != nil {
			return nil, wrap("user members", err)
		}
		if u := out[id]; u != nil {
			u.Members = append(u.Members, m)
		}
	}
	return out, wrap("user members", rows.Err())
}

func (r *writeRows) Apply(ctx context.Context, changes []store.Change) error {
	for _, ch := range changes {
		var err error
		switch ch.Op {
		case store.OpPutEndpoint:
			r.touched.endpoint(r.app, ch.Endpoint.ID)
			err = r.putEndpoint(ctx, ch.Endpoint, ch.Prev)
		case store.OpPutUser:
			r.touched.user(r.app, ch.UserID)
			var js string
			if js, err = store.EncodeJSON(orEmpty(ch.Attrs)); err == nil {
				_, err = r.c.exec(ctx, "INSERT INTO users (app_id, user_id, attrs) VALUES (?, ?, ?) ON CONFLICT (app_id, user_id) DO UPDATE SET attrs = excluded.attrs", r.app, ch.UserID, js)
				err = wrap("put user", err)
			}
		case store.OpDropUserIfUnused:
			r.touched.user(r.app, ch.UserID)
			_, err = r.c.exec(ctx, "DELETE FROM users WHERE app_id = ? AND user_id = ? AND NOT EXISTS (SELECT 1 FROM endpoints INDEXED BY endpoints_user WHERE app_id = ? AND user_id = ?)", r.app, ch.UserID, r.app, ch.UserID)
			err = wrap("drop user", err)
		case store.OpEvict:
			r.touched.endpoint(r.app, ch.ID)
			_, err = r.c.exec(ctx, "UPDATE endpoints SET status = 'INACTIVE', user_id = '' WHERE app_id = ? AND id = ?", r.app, ch.ID)
			err = wrap("evict endpoint", err)
		case store.OpDeactivateAddress:
			err = r.deactivateAddress(ctx, ch.Address, ch.ID)
		case store.OpPutEvents:
			err = r.putEvents(ctx, ch.ID, ch.Events)
		default:
			err = fmt.Errorf("sqlite: unknown change %d", ch.Op)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deactivateAddress makes the other ACTIVE endpoint of address (there is at most one) INACTIVE.
func (r *writeRows) deactivateAddress(ctx context.Context, address, exceptID string) error {
	rows, err := r.c.query(ctx, "UPDATE endpoints SET status = 'INACTIVE' WHERE app_id = ? AND address = ? AND address <> '' AND status = 'ACTIVE' AND id <> ? RETURNING id", r.app, address, exceptID)
	if err != nil {
		return wrap("deactivate address", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return wrap("deactivate address", err)
		}
		r.touched.endpoint(r.app, id)
	}
	return wrap("deactivate address", rows.Err())
}

// putEndpoint inserts e, or updates prev's row. An UPDATE that sets no indexed column leaves the
// indexes alone (SQLite rewrites the entries of every index a SET clause names), hence the narrow
// form when the key and the indexed columns (address, status, user_id) stay.
func (r *writeRows) putEndpoint(ctx context.Context, e, prev *pinpoint.Endpoint) error {
	r.c.doc = store.AppendEndpointDoc(r.c.doc[:0], e)
	doc := r.c.doc
	var err error
	switch {
	case prev == nil:
		_, err = r.c.exec(ctx, "INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			r.app, e.ID, e.Address, e.ChannelType, e.EndpointStatus, e.User.UserID, e.EffectiveDate, doc)
	case prev.Address == e.Address && prev.EndpointStatus == e.EndpointStatus && prev.User.UserID == e.User.UserID:
		_, err = r.c.exec(ctx, "UPDATE endpoints SET channel_type = ?, effective_date = ?, doc = ? WHERE app_id = ? AND id = ?",
			e.ChannelType, e.EffectiveDate, doc, r.app, e.ID)
	default:
		_, err = r.c.exec(ctx, "UPDATE endpoints SET address = ?, channel_type = ?, status = ?, user_id = ?, effective_date = ?, doc = ? WHERE app_id = ? AND id = ?",
			e.Address, e.ChannelType, e.EndpointStatus, e.User.UserID, e.EffectiveDate, doc, r.app, e.ID)
	}
	return wrap("put endpoint", err)
}

func (r *writeRows) putEvents(ctx context.Context, endpointID string, events []store.Event) error {
	var last time.Time
	for _, ev := range events {
		if _, err := r.c.exec(ctx, "INSERT INTO events (app_id, endpoint_id, event_id, event_type, ts, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			r.app, endpointID, ev.ID, ev.Type, ev.Timestamp.UTC().Format(time.RFC3339Nano), ev.Body); err != nil {
			return wrap("put event", err)
		}
		if ev.Timestamp.After(last) {
			last = ev.Timestamp
		}
	}
	if last.IsZero() {
		return nil
	}
	_, err := r.c.exec(ctx, "UPDATE endpoints SET last_event_at = ? WHERE app_id = ? AND id = ? AND (last_event_at IS NULL OR last_event_at < ?)",
		pinpoint.FormatTime(last), r.app, endpointID, pinpoint.FormatTime(last))
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
