package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/store"
	"pinpointd/internal/store/postgres"
	"pinpointd/internal/store/storetest"
)

// TestConformance runs the conformance suite against the PostgreSQL named by
// PINPOINTD_TEST_POSTGRES, each case in a schema of its own that is dropped afterwards.
func TestConformance(t *testing.T) {
	dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PINPOINTD_TEST_POSTGRES is not set")
	}
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	// Not t.Context: it is canceled before cleanups run.
	t.Cleanup(func() { admin.Close(context.Background()) })

	storetest.Run(t, func(t *testing.T) store.Store {
		schema := "pinpointd_t_" + strings.ToLower(rand.Text())
		if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
		s, err := postgres.Open(t.Context(), withSearchPath(t, dsn, schema), nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		// Run closes the store too; closing twice is harmless, and this also covers a case that
		// fails before Run registers its Close.
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// withSearchPath returns dsn with search_path set to schema; pgx sends parameters it does not know
// to the server as run-time settings.
func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return fmt.Sprintf("%s search_path=%s", dsn, schema) // keyword/value form
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse PINPOINTD_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
