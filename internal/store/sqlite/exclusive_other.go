//go:build !unix

package sqlite

// Exclusive is a no-op where flock is not available: the store runs without its read cache.
func (s *Store) Exclusive() error { return nil }
