package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"

	"pinpointd/internal/pinpoint"
)

// conn is the writer connection, used through the SQLite driver directly rather than through
// database/sql: only the commit loop uses it, one statement at a time, so database/sql's
// per-statement work (connection locks, result wrappers, a goroutine watching each statement's
// context) bought nothing and cost about as much CPU as SQLite's own work for a small statement.
// Statements are prepared once and cached.
type conn struct {
	raw   driver.Conn
	dc    driver.ConnPrepareContext
	stmts map[string]driver.Stmt
	apps  map[string]pinpoint.App // see conn.app
	// doc is PutEndpoint's buffer for the document it writes, reused: the driver copies a
	// statement's arguments before it returns (driver.go).
	doc []byte
}

// openConn opens a driver connection to the file at path and runs pragmas on it.
func openConn(path string, pragmas []string) (*conn, error) {
	dc, err := openRaw(path, pragmas)
	if err != nil {
		return nil, err
	}
	c, err := newConn(dc)
	if err != nil {
		dc.Close()
	}
	return c, err
}

func newConn(dc any) (*conn, error) {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("sqlite: driver connection %T cannot prepare statements", dc)
	}
	return &conn{raw: dc.(driver.Conn), dc: pc, stmts: make(map[string]driver.Stmt), apps: make(map[string]pinpoint.App)}, nil
}

func (c *conn) stmt(ctx context.Context, q string) (driver.Stmt, error) {
	if st, ok := c.stmts[q]; ok {
		return st, nil
	}
	st, err := c.dc.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare %q: %w", firstLine(q), err)
	}
	c.stmts[q] = st
	return st, nil
}

func (c *conn) close() error { return c.raw.Close() }

func (c *conn) closeStmts() {
	for _, st := range c.stmts {
		st.Close()
	}
}

// namedValues converts arguments as database/sql would for this driver: int becomes int64.
func namedValues(args []any) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		if n, ok := a.(int); ok {
			a = int64(n)
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nv
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (driver.Result, error) {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.(driver.StmtExecContext).ExecContext(ctx, namedValues(args))
}

func (c *conn) query(ctx context.Context, q string, args ...any) (rowIter, error) {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	dr, err := st.(driver.StmtQueryContext).QueryContext(ctx, namedValues(args))
	if err != nil {
		return nil, err
	}
	return &rows{dr: dr, dest: make([]driver.Value, len(dr.Columns()))}, nil
}

// queryRow runs a query for its first row; Scan of the result reports sql.ErrNoRows when there
// is none, and any error of the query.
func (c *conn) queryRow(ctx context.Context, q string, args ...any) scanner {
	r, err := c.query(ctx, q, args...)
	if err != nil {
		return errRow{err}
	}
	return r.(*rows).first()
}

// scanner is one row to read.
type scanner interface {
	Scan(dest ...any) error
}

// rowIter is what reading several rows needs.
type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// first reads the first row's values (copied) and closes r. Scan of the result reports
// sql.ErrNoRows when there is none; it hands out the copies, so the result is for one Scan.
func (r *rows) first() scanner {
	if !r.Next() {
		err := r.Err()
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = sql.ErrNoRows
		}
		return errRow{err}
	}
	vals := make([]driver.Value, len(r.dest))
	for i, v := range r.dest {
		if b, ok := v.([]byte); ok {
			v = append([]byte(nil), b...)
		}
		vals[i] = v
	}
	if err := r.Close(); err != nil {
		return errRow{err}
	}
	return &rows{dest: vals, owned: true}
}

// rows reads a driver's rows into the few destination types the writer's queries use.
type rows struct {
	dr   driver.Rows
	dest []driver.Value
	err  error
	// owned is set when dest holds copies that belong to the row alone (first): Scan then gives
	// a BLOB to its destination without copying it again.
	owned bool
}

func (r *rows) Next() bool {
	if r.err != nil {
		return false
	}
	if err := r.dr.Next(r.dest); err != nil {
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	return true
}

func (r *rows) Err() error { return r.err }

func (r *rows) Close() error { return r.dr.Close() }

func (r *rows) Scan(dest ...any) error {
	if len(dest) != len(r.dest) {
		return fmt.Errorf("sqlite: scan of %d columns into %d values", len(r.dest), len(dest))
	}
	for i, v := range r.dest {
		if err := assign(dest[i], v, !r.owned); err != nil {
			return fmt.Errorf("sqlite: scan column %d: %w", i, err)
		}
	}
	return nil
}

// assign stores a column's value: TEXT or BLOB into *string or *[]byte (copied unless copyBytes
// is false: the driver may reuse its memory), INTEGER into *int or *int64 or *bool. NULL leaves
// zero values.
func assign(dst any, v driver.Value, copyBytes bool) error {
	switch d := dst.(type) {
	case *string:
		switch v := v.(type) {
		case string:
			*d = v
		case []byte:
			*d = string(v)
		case nil:
			*d = ""
		default:
			return fmt.Errorf("cannot store %T in *string", v)
		}
	case *[]byte:
		switch v := v.(type) {
		case []byte:
			if copyBytes {
				v = append([]byte(nil), v...)
			}
			*d = v
		case string:
			*d = []byte(v)
		case nil:
			*d = nil
		default:
			return fmt.Errorf("cannot store %T in *[]byte", v)
		}
	case *int64:
		n, ok := v.(int64)
		if !ok && v != nil {
			return fmt.Errorf("cannot store %T in *int64", v)
		}
		*d = n
	case *int:
		n, ok := v.(int64)
		if !ok && v != nil {
			return fmt.Errorf("cannot store %T in *int", v)
		}
		*d = int(n)
	case *bool:
		n, ok := v.(int64)
		if !ok && v != nil {
			return fmt.Errorf("cannot store %T in *bool", v)
		}
		*d = n != 0
	default:
		return fmt.Errorf("unsupported destination %T", dst)
	}
	return nil
}
