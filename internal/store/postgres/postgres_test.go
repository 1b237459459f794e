package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
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

	storetest.Run(t, openInSchema(t, dsn, admin, nil))
}

// TestAppStatsWithoutCounters runs AppStats' cases where the triggers that keep its counters are
// missing, as on Citus (see migration 7 and Distribute): it counts the rows instead.
func TestAppStatsWithoutCounters(t *testing.T) {
	dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PINPOINTD_TEST_POSTGRES is not set")
	}
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	storetest.RunStatsCountingRows(t, openInSchema(t, dsn, admin, func(t *testing.T, schema string) {
		for _, q := range []string{
			"DROP TRIGGER endpoint_counts_insert ON %s.endpoints", "DROP TRIGGER endpoint_counts_delete ON %s.endpoints",
			"DROP TRIGGER endpoint_counts_update ON %s.endpoints", "DROP TRIGGER event_days_insert ON %s.events",
		} {
			if _, err := admin.Exec(t.Context(), fmt.Sprintf(q, schema)); err != nil {
				t.Fatal(err)
			}
		}
	}))
}

// openInSchema returns a store factory for storetest: each store on a new schema, dropped after
// the case; then, after migrating it, calls prepare (when not nil).
func openInSchema(t *testing.T, dsn string, admin *pgx.Conn, prepare func(t *testing.T, schema string)) func(t *testing.T) store.Store {
	return func(t *testing.T) store.Store {
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
		if prepare != nil {
			prepare(t, schema)
		}
		return s
	}
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

// newSchema creates a schema of its own for one test, dropped afterwards, and returns a DSN whose
// search_path is that schema and a connection to it.
func newSchema(t *testing.T) (string, *pgx.Conn) {
	t.Helper()
	dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PINPOINTD_TEST_POSTGRES is not set")
	}
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	schema := "pinpointd_t_" + strings.ToLower(rand.Text())
	if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close(context.Background())
	})
	scoped := withSearchPath(t, dsn, schema)
	conn, err := pgx.Connect(t.Context(), scoped)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return scoped, conn
}

// Every table the migrations create distributes by application on Citus: app-scoped tables lead
// every primary key and unique index with app_id, there are no foreign keys, and the global
// tables are the known small ones. A table added later that breaks the rule fails this test.
func TestSchemaDistributesByApp(t *testing.T) {
	dsn, conn := newSchema(t)
	if err := postgres.Migrate(t.Context(), dsn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	tables, err := postgres.CheckSchema(t.Context(), conn)
	if err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	seen := map[string]bool{}
	for _, tb := range tables {
		seen[tb.Table] = true
		if len(tb.Problems) > 0 {
			t.Errorf("table %s cannot be distributed by app: %s", tb.Table, strings.Join(tb.Problems, "; "))
		}
	}
	for _, want := range []string{"apps", "endpoints", "users", "events", "keys", "schema_migrations"} {
		if !seen[want] {
			t.Errorf("CheckSchema did not report table %s; it saw %v", want, tables)
		}
	}

	// The check itself catches each kind of break.
	for _, q := range []string{
		"CREATE TABLE bad_pk (id text PRIMARY KEY, app_id text NOT NULL)",
		"CREATE TABLE bad_unique (app_id text, id text, code text, PRIMARY KEY (app_id, id))",
		"CREATE UNIQUE INDEX bad_unique_code ON bad_unique (code)",
		"CREATE TABLE bad_global (id text PRIMARY KEY)",
		"CREATE TABLE bad_fk (app_id text REFERENCES apps (app_id), id text, PRIMARY KEY (app_id, id))",
	} {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tables, err = postgres.CheckSchema(t.Context(), conn)
	if err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	got := map[string]string{}
	for _, tb := range tables {
		got[tb.Table] = strings.Join(tb.Problems, "; ")
	}
	want := map[string]string{
		"bad_pk":     "unique index bad_pk_pkey does not lead with app_id",
		"bad_unique": "unique index bad_unique_code does not lead with app_id",
		"bad_global": "has no app_id column and is not a known global table (a reference table must stay small)",
		"bad_fk":     "has foreign key bad_fk_app_id_fkey",
	}
	for table, w := range want {
		if got[table] != w {
			t.Errorf("problems of %s = %q, want %q", table, got[table], w)
		}
	}
}

// `migrate --distribute` on a database without the citus extension says so and changes nothing.
func TestDistributeNeedsCitus(t *testing.T) {
	dsn, _ := newSchema(t)
	ran, err := postgres.Distribute(t.Context(), dsn, nil)
	if !errors.Is(err, postgres.ErrNoCitus) || len(ran) != 0 {
		t.Fatalf("Distribute = %v, %v; want no statements and ErrNoCitus", ran, err)
	}
}
