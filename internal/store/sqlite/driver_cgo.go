//go:build cgo && !modernc

package sqlite

import (
	"database/sql/driver"
	"errors"
	"net/url"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Engine names the SQLite library this build uses, for logs.
func Engine() string {
	v, _, _ := sqlite3.Version()
	return "SQLite " + v + " (C, through cgo: github.com/mattn/go-sqlite3)"
}

// openDriverConn opens a connection without the driver's own mutex (each connection is used by
// one goroutine at a time: the writer, the checkpointer, or a reader taken from the pool).
func openDriverConn(path string) (driver.Conn, error) {
	return (&sqlite3.SQLiteDriver{}).Open("file:" + (&url.URL{Path: path}).EscapedPath() + "?_txlock=immediate&_mutex=no")
}

func resultCode(err error) (int, bool) {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return int(se.Code), true
	}
	return 0, false
}
