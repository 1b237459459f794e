package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// This file and the rest of the package are driver-neutral: everything that depends on the SQLite
// driver, modernc.org/sqlite (SQLite's C translated to Go, so that building needs only Go), is in
// driver_modernc.go, which provides
//
//	openDriverConn(path)     a connection to the file at path, BEGIN meaning BEGIN IMMEDIATE
//	resultCode(err)          SQLite's primary result code carried by err, if any
//
// Another driver would provide the same. The package also relies on the driver handing out each
// BLOB column in a slice of its own and copying a statement's arguments before the statement
// returns (conn.doc, ScanEndpoints). The C SQLite through cgo (github.com/mattn/go-sqlite3) was
// tried behind this seam and measured: see docs/PERFORMANCE.md, "Sixth round".

// SQLite's primary result codes (https://sqlite.org/rescode.html) that the package tells apart.
const (
	codeBusy       = 5
	codeLocked     = 6
	codeIOErr      = 10
	codeFull       = 13
	codeCantOpen   = 14
	codeConstraint = 19
)

// openRaw opens a driver connection to the file at path and runs pragmas on it, in order.
func openRaw(path string, pragmas []string) (driver.Conn, error) {
	dc, err := openDriverConn(path)
	if err != nil {
		return nil, err
	}
	for _, p := range pragmas {
		if err := execOnce(dc, "PRAGMA "+p); err != nil {
			dc.Close()
			return nil, fmt.Errorf("sqlite: PRAGMA %s: %w", p, err)
		}
	}
	return dc, nil
}

// execOnce runs one statement (which may return rows, as most pragmas do) and discards its result.
func execOnce(dc driver.Conn, q string) error {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return fmt.Errorf("driver connection %T cannot prepare statements", dc)
	}
	st, err := pc.PrepareContext(context.Background(), q)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.(driver.StmtQueryContext).QueryContext(context.Background(), nil)
	if err != nil {
		return err
	}
	return rows.Close()
}

// connector opens connections for database/sql (the writer's *sql.DB, which migrations use
// before the commit loop takes its connection over).
type connector struct {
	path    string
	pragmas []string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return openRaw(c.path, c.pragmas) }

func (c connector) Driver() driver.Driver { return connectorDriver{c} }

type connectorDriver struct{ c connector }

func (d connectorDriver) Open(string) (driver.Conn, error) { return d.c.Connect(context.Background()) }
