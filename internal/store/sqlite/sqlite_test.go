package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"pinpointd/internal/store"
	"pinpointd/internal/store/sqlite"
	"pinpointd/internal/store/storetest"
)

// TestConformance runs the suite on a store as `serve` uses it (Exclusive: with the read cache)
// and as the other commands do (without it).
func TestConformance(t *testing.T) {
	for _, exclusive := range []bool{true, false} {
		name := map[bool]string{true: "Exclusive", false: "Shared"}[exclusive]
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"), nil)
				if err != nil {
					t.Fatal(err)
				}
				if exclusive {
					if err := s.Exclusive(); err != nil {
						t.Fatal(err)
					}
				}
				return s
			})
		})
	}
}

// One process serves a SQLite database: a second store refuses to be Exclusive while the first
// is open, and may be once it is closed.
func TestExclusiveRefusesASecondServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	a, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Exclusive(); err != nil {
		t.Fatal(err)
	}
	b, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Exclusive()
	if err == nil || !strings.Contains(err.Error(), "another pinpointd process serves") {
		t.Fatalf("second Exclusive: got %v, want a refusal naming the other process", err)
	}
	a.Close()
	if err := b.Exclusive(); err != nil {
		t.Fatalf("Exclusive after the first store closed: %v", err)
	}
}
