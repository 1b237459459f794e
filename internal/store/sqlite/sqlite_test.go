package sqlite_test

import (
	"path/filepath"
	"testing"

	"pinpointd/internal/store"
	"pinpointd/internal/store/sqlite"
	"pinpointd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
