//go:build !cgo || modernc

package sqlite

import (
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// Engine names the SQLite library this build uses, for logs.
func Engine() string { return "SQLite (translated to Go: modernc.org/sqlite)" }

func openDriverConn(path string) (driver.Conn, error) {
	return (&sqlite.Driver{}).Open("file:" + path + "?_txlock=immediate")
}

func resultCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff, true
	}
	return 0, false
}
