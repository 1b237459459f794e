//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Exclusive makes s the only store writing its database, as `serve` needs it: it takes an
// exclusive lock (flock) on the file path+"-lock", held until s is closed or the process ends, and
// fails when another process holds it. Only then does s keep a read cache (cache.go), which is
// coherent only while every write goes through this store's single writer. Commands that only
// read, or write other tables (keys, pools), do not call it and may run beside a server.
func (s *Store) Exclusive() error {
	f, err := os.OpenFile(s.path+"-lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: lock %s: %w", s.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("sqlite: another pinpointd process serves %s (it holds %s); one process serves a SQLite database, use PostgreSQL to run several", s.path, f.Name())
		}
		return fmt.Errorf("sqlite: lock %s: %w", s.path, err)
	}
	s.lockFile = f
	s.cache = newReadCache()
	return nil
}
