//go:build cgo && !modernc

package sqlite

/*
// sqlite3_db_config is defined by github.com/mattn/go-sqlite3's copy of SQLite, linked into the
// same binary. It is variadic, which cgo cannot call directly.
extern int sqlite3_db_config(void *db, int op, ...);

static int enable_qpsg(void *db) {
	return sqlite3_db_config(db, 1007, 1, (int *)0); // SQLITE_DBCONFIG_ENABLE_QPSG
}
*/
import "C"

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"unsafe"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Engine names the SQLite library this build uses, for logs.
func Engine() string {
	v, _, _ := sqlite3.Version()
	return "SQLite " + v + " (C, through cgo: github.com/mattn/go-sqlite3)"
}

// openDriverConn opens a connection without the driver's own mutex (each connection is used by
// one goroutine at a time: the writer, the checkpointer, or a reader taken from the pool), with
// the query planner stability guarantee on.
//
// Why the guarantee: mattn/go-sqlite3 clears a statement's bindings before binding new values,
// and SQLite expires a statement whose plan took note of a bound value whenever its bindings are
// cleared; the statement is then compiled again at its next step. Several of the package's
// statements are like that (a LEFT JOIN on a column the WHERE clause binds; `status = ?` beside
// the partial index on ACTIVE addresses), so without the guarantee GetEndpoint and the UPDATE of
// an endpoint were parsed and planned anew on every call: 21 instead of 10 µs of CPU per
// GetEndpoint. With it, plans never depend on bound values, as the statements already assume
// (INDEXED BY where the planner would otherwise choose badly).
func openDriverConn(path string) (driver.Conn, error) {
	dc, err := (&sqlite3.SQLiteDriver{}).Open("file:" + (&url.URL{Path: path}).EscapedPath() + "?_txlock=immediate&_mutex=no")
	if err != nil {
		return nil, err
	}
	if err := enableQPSG(dc); err != nil {
		dc.Close()
		return nil, err
	}
	return dc, nil
}

// dbField is where mattn/go-sqlite3 keeps a connection's sqlite3 handle, which it does not
// export; found by name, so that a version that renames or retypes it fails here, at open.
var dbField, dbFieldOK = reflect.TypeFor[sqlite3.SQLiteConn]().FieldByName("db")

func enableQPSG(dc driver.Conn) error {
	c, ok := dc.(*sqlite3.SQLiteConn)
	if !ok || !dbFieldOK || dbField.Type.Kind() != reflect.Pointer {
		return fmt.Errorf("sqlite: cannot reach the sqlite3 handle of %T", dc)
	}
	db := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(c), dbField.Offset))
	if db == nil {
		return errors.New("sqlite: connection has no sqlite3 handle")
	}
	if rc := C.enable_qpsg(db); rc != 0 {
		return fmt.Errorf("sqlite: enable the query planner stability guarantee: result code %d", int(rc))
	}
	return nil
}

func resultCode(err error) (int, bool) {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return int(se.Code), true
	}
	return 0, false
}
