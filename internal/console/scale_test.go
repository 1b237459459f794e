package console_test

import (
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	_ "modernc.org/sqlite"

	"pinpointd/internal/store/sqlite"
)

// BenchmarkPagesLargeApp times the console's pages over an app of PINPOINTD_BENCH_ENDPOINTS
// endpoints (e.g. 1000000) on SQLite; without it the benchmark is skipped. The endpoints are
// copies of one endpoint's row inserted with SQL (fast to populate; every column the pages and
// the dashboard read differs between rows). Run:
//
//	PINPOINTD_BENCH_ENDPOINTS=1000000 go test -run '^$' -bench PagesLargeApp -benchtime 5x ./internal/console/
func BenchmarkPagesLargeApp(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("PINPOINTD_BENCH_ENDPOINTS"))
	if n <= 0 {
		b.Skip("PINPOINTD_BENCH_ENDPOINTS is not set")
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "db")
	st, err := sqlite.Open(b.Context(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, st)
	e.mustLogin()
	app := e.createApp("Large")
	e.putEndpoint(app, "seed", map[string]any{"ChannelType": "EMAIL", "Address": "seed@example.com", "User": map[string]any{"UserId": "seed"}}, "_session.start")
	seg := e.post("/console/apps/"+app+"/segments/new", "/console/apps/"+app+"/segments", map[string][]string{"name": {"Email"}, "mode": {"json"}, "json": {`{"Demographic":{"Channel":{"Values":["EMAIL"]}}}`}}).location

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
			CASE WHEN i % 4 = 0 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d hours', i % 900)) END, e.doc
		FROM n, (SELECT effective_date, doc FROM endpoints WHERE app_id = ? AND id = 'seed') e`, n, app, app)
	if err != nil {
		b.Fatal(err)
	}
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
