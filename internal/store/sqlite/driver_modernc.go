package sqlite

import (
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// openDriverConn opens a connection to the file at path; BEGIN means BEGIN IMMEDIATE.
func openDriverConn(path string) (driver.Conn, error) {
	return (&sqlite.Driver{}).Open("file:" + path + "?_txlock=immediate")
}

// resultCode returns SQLite's primary result code carried by err, if any.
func resultCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff, true
	}
	return 0, false
}
