package console_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"pinpointd/internal/store/postgres"
	"pinpointd/internal/store/sqlite"
)

// BenchmarkPagesLargeApp times the console's pages over an app of PINPOINTD_BENCH_ENDPOINTS
// endpoints (e.g. 1000000), PINPOINTD_BENCH_ACTIVE percent of which (default 25) had their
// latest event in the last 30 days (their users: up to 300,000), and PINPOINTD_BENCH_EVENTS
// events (default three per endpoint) spread over the last 30 days, on SQLite and, when PINPOINTD_TEST_POSTGRES is set, on
// PostgreSQL (in a database of its own, created and dropped here). Without
// PINPOINTD_BENCH_ENDPOINTS the benchmark is skipped. The endpoints and events are copies of one
// endpoint's and one event's rows inserted with SQL (fast to populate; every column the pages
// and the dashboard read differs between rows). Run:
//
//	PINPOINTD_BENCH_ENDPOINTS=1000000 go test -run '^$' -bench PagesLargeApp -benchtime 3x ./internal/console/
func BenchmarkPagesLargeApp(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("PINPOINTD_BENCH_ENDPOINTS"))
	if n <= 0 {
		b.Skip("PINPOINTD_BENCH_ENDPOINTS is not set")
	}
	m, err := strconv.Atoi(os.Getenv("PINPOINTD_BENCH_EVENTS"))
	if err != nil {
		m = 3 * n
	}
	active, err := strconv.Atoi(os.Getenv("PINPOINTD_BENCH_ACTIVE"))
	if err != nil {
		active = 25
	}
	b.Run("sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "db")
		st, err := sqlite.Open(b.Context(), path, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		e := newEnv(b, st)
		app, seg := seedLargeApp(e)
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		_, err = db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, last_event_at, doc)
		SELECT ?, printf('ep-%08d', i), printf('a%08d@example.com', i),
			CASE i % 3 WHEN 0 THEN 'EMAIL' WHEN 1 THEN 'SMS' ELSE 'APNS' END,
			CASE WHEN i % 10 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
			printf('u%07d', i % 300000), e.effective_date,
			CASE WHEN i % 100 < ? THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d hours', i % 719)) END, e.doc
		FROM n, (SELECT effective_date, doc FROM endpoints WHERE app_id = ? AND id = 'seed') e`, n, app, active, app)
		if err != nil {
			b.Fatal(err)
		}
		// Events in primary-key order (by endpoint), at pseudo-random instants of the last 30 days.
		_, err = db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO events (app_id, endpoint_id, event_id, event_type, ts, body)
		SELECT ?, printf('ep-%08d', i * ? / ? + 1), printf('bench-%09d', i), '_session.start',
			strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d seconds', (i * 7919) % 2592000)), e.body
		FROM n, (SELECT body FROM events WHERE app_id = ? AND endpoint_id = 'seed' LIMIT 1) e`, m, app, n, m, app)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec("ANALYZE"); err != nil {
			b.Fatal(err)
		}
		benchPages(b, e, app, seg, n)
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
		if dsn == "" {
			b.Skip("PINPOINTD_TEST_POSTGRES is not set: PostgreSQL skipped")
		}
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("pinpointd_bench_pages_%d", os.Getpid())
		_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
		admin.Close(ctx)
		if err != nil {
			b.Fatal(err)
		}
		// Registered first, so it runs last, after the store's connections are closed.
		b.Cleanup(func() {
			admin, err := pgx.Connect(ctx, dsn)
			if err != nil {
				b.Errorf("drop %s: %v", name, err)
				return
			}
			defer admin.Close(ctx)
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				b.Errorf("drop %s: %v", name, err)
			}
		})
		u, err := url.Parse(dsn)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + name
		st, err := postgres.Open(ctx, u.String(), slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		e := newEnv(b, st)
		app, seg := seedLargeApp(e)
		db, err := pgx.Connect(ctx, u.String())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close(ctx)
		_, err = db.Exec(ctx, `INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, last_event_at, doc)
		SELECT $2, format('ep-%s', lpad(i::text, 8, '0')), format('a%s@example.com', lpad(i::text, 8, '0')),
			CASE i % 3 WHEN 0 THEN 'EMAIL' WHEN 1 THEN 'SMS' ELSE 'APNS' END,
			CASE WHEN i % 10 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
			format('u%s', lpad((i % 300000)::text, 7, '0')), e.effective_date,
			CASE WHEN i % 100 < $3 THEN now() - make_interval(hours => (i % 719)::int) END, e.doc
		FROM generate_series(1, $1::bigint) i, (SELECT effective_date, doc FROM endpoints WHERE app_id = $2 AND id = 'seed') e`, n, app, active)
		if err != nil {
			b.Fatal(err)
		}
		_, err = db.Exec(ctx, `INSERT INTO events (app_id, endpoint_id, event_id, event_type, ts, body)
		SELECT $2, format('ep-%s', lpad((i * $3::bigint / $1::bigint + 1)::text, 8, '0')), format('bench-%s', lpad(i::text, 9, '0')), '_session.start',
			now() - make_interval(secs => (i * 7919) % 2592000), e.body
		FROM generate_series(0, $1::bigint - 1) i, (SELECT body FROM events WHERE app_id = $2 AND endpoint_id = 'seed' LIMIT 1) e`, m, app, n)
		if err != nil {
			b.Fatal(err)
		}
		// What autovacuum does after a bulk insert: statistics, and the visibility map that
		// index-only scans need.
		if _, err := db.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
		benchPages(b, e, app, seg, n)
	})
}

// seedLargeApp creates the app the benchmark fills, with one endpoint and event written through
// the API (the rows the SQL copies) and a segment; it returns the app's ID and the segment's page.
func seedLargeApp(e *env) (app, seg string) {
	e.mustLogin()
	app = e.createApp("Large")
	e.putEndpoint(app, "seed", map[string]any{"ChannelType": "EMAIL", "Address": "seed@example.com", "User": map[string]any{"UserId": "seed"}}, "_session.start")
	seg = e.post("/console/apps/"+app+"/segments/new", "/console/apps/"+app+"/segments", map[string][]string{"name": {"Email"}, "mode": {"json"}, "json": {`{"Demographic":{"Channel":{"Values":["EMAIL"]}}}`}}).location
	return app, seg
}

func benchPages(b *testing.B, e *env, app, seg string, n int) {
	base := "/console/apps/" + app
	mid := fmt.Sprintf("%08d", n/2+1) // i % 10 != 0: ACTIVE
	pages := []struct{ name, path string }{
		{"apps", "/console/apps"},
		{"app", base},
		{"dashboard", base + "/stats"},
		{"find-by-id", base + "/endpoints?by=id&q=ep-" + mid},
		{"find-by-address", base + "/endpoints?by=address&q=a" + mid + "%40example.com"},
		{"find-by-user", base + "/endpoints?by=user&q=u0000123"},
		{"endpoint", base + "/endpoints/ep-" + mid},
		{"segments", base + "/segments"},
		{"segment", seg},
		{"segment-members", seg + "/members"},
		{"segment-size", seg + "/size"},
		{"jobs", base + "/jobs"},
	}
	for _, pg := range pages {
		p := pg.path
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				r := e.get(p)
				if r.status != http.StatusOK {
					b.Fatalf("%s: %d %s", p, r.status, r.body)
				}
			}
		})
	}
}
