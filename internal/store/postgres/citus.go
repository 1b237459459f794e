package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Distribution on Citus. Every app-scoped table (one with an app_id column) is distributed by
// app_id and co-located with apps, so every statement pinpointd sends — all of which name one
// app — runs on one worker. Every other table is global and small (access keys, the migrations
// table) and becomes a reference table, copied to every worker.

// globalTables are the tables that are not scoped to an app. Each is a reference table on
// Citus, so each must stay small: a table that grows with the traffic belongs to an app.
var globalTables = []string{"keys", "schema_migrations", "identity_pools"}

// ErrNoCitus is returned by Distribute when the database does not have the citus extension.
var ErrNoCitus = errors.New("postgres: the database does not have the citus extension (CREATE EXTENSION citus)")

// TableRule is one table as the catalog shows it, with what breaks distribution by app.
type TableRule struct {
	Table    string
	AppScope bool     // has an app_id column: distributed by it
	Problems []string // empty when the table can be distributed (or be a reference table)
}

// CheckSchema inspects the catalog of the current schema and reports, for every table, whether it
// can be distributed by application: an app-scoped table's primary key and every unique index
// lead with app_id; no foreign key exists (none may cross apps, and pinpointd needs none); a table
// without app_id is one of the known global tables.
func CheckSchema(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) ([]TableRule, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'app_id' AND NOT a.attisdropped),
		       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
		       COALESCE((SELECT array_agg(ic.relname || ':' || COALESCE(a.attname, '')) FROM pg_index i
		                 JOIN pg_class ic ON ic.oid = i.indexrelid
		                 LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
		                 WHERE i.indrelid = c.oid AND i.indisunique), '{}'),
		       COALESCE((SELECT array_agg(con.conname) FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype = 'f'), '{}')
		FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
		ORDER BY c.relname`)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []TableRule
	for rows.Next() {
		var r TableRule
		var hasPK bool
		var uniques, fks []string
		if err := rows.Scan(&r.Table, &r.AppScope, &hasPK, &uniques, &fks); err != nil {
			return nil, dbErr(err)
		}
		switch {
		case r.AppScope && !hasPK:
			r.Problems = append(r.Problems, "has no primary key")
		case !r.AppScope && !slices.Contains(globalTables, r.Table):
			r.Problems = append(r.Problems, "has no app_id column and is not a known global table (a reference table must stay small)")
		}
		if r.AppScope {
			for _, u := range uniques {
				index, first, _ := strings.Cut(u, ":")
				if first != "app_id" {
					r.Problems = append(r.Problems, fmt.Sprintf("unique index %s does not lead with app_id", index))
				}
			}
		}
		for _, fk := range fks {
			r.Problems = append(r.Problems, fmt.Sprintf("has foreign key %s", fk))
		}
		slices.Sort(r.Problems)
		out = append(out, r)
	}
	return out, dbErr(rows.Err())
}

// hasCitus reports whether the database has the citus extension.
func hasCitus(ctx context.Context, tx pgx.Tx) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&ok)
	return ok, dbErr(err)
}

// isCitusTable reports whether a table of the current schema is already distributed or a
// reference table. Only call it when the citus extension exists (pg_dist_partition is its table).
func isCitusTable(ctx context.Context, tx pgx.Tx, table string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_dist_partition
		WHERE logicalrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass)`, table).Scan(&ok)
	return ok, dbErr(err)
}

// distributeStatements returns the statements that distribute every table of the current schema
// not yet known to Citus: app-scoped tables by app_id, co-located with apps (which goes first),
// the others as reference tables. It refuses a schema that breaks the rules of CheckSchema.
func distributeStatements(ctx context.Context, tx pgx.Tx) ([]string, error) {
	tables, err := CheckSchema(ctx, tx)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(tables, func(a, b TableRule) int {
		// apps first: the others are co-located with it.
		return boolInt(b.Table == "apps") - boolInt(a.Table == "apps")
	})
	var stmts []string
	if len(tables) > 0 {
		// Citus does not run a coordinator's triggers on the shards of a distributed table, so the
		// dashboard's counters (migration 7) would go stale: drop their triggers first; AppStats
		// then counts rows (see countersKept).
		for _, t := range counterTriggers {
			stmts = append(stmts, fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s", t.name, t.table))
		}
	}
	for _, t := range tables {
		if len(t.Problems) > 0 {
			return nil, fmt.Errorf("postgres: table %s cannot be distributed by app: %s", t.Table, strings.Join(t.Problems, "; "))
		}
		done, err := isCitusTable(ctx, tx, t.Table)
		if err != nil {
			return nil, err
		}
		switch {
		case done:
		case t.Table == "apps":
			stmts = append(stmts, "SELECT create_distributed_table('apps', 'app_id')")
		case t.AppScope:
			stmts = append(stmts, fmt.Sprintf("SELECT create_distributed_table(%s, 'app_id', colocate_with => 'apps')", quoteLiteral(t.Table)))
		default:
			stmts = append(stmts, fmt.Sprintf("SELECT create_reference_table(%s)", quoteLiteral(t.Table)))
		}
	}
	return stmts, nil
}

// Distribute applies pending migrations to the database named by dsn, then distributes every
// table that is not yet distributed (see distributeStatements). It returns the statements it ran.
// ErrNoCitus when the database lacks the extension. Once apps is distributed, every later
// migration distributes the tables it adds by itself (see migrate).
func Distribute(ctx context.Context, dsn string, log *slog.Logger) ([]string, error) {
	s, err := Open(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var ran []string
	err = s.inTx(ctx, "distribute", func(tx pgx.Tx) error {
		ran = nil
		ok, err := hasCitus(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoCitus
		}
		stmts, err := distributeStatements(ctx, tx)
		if err != nil {
			return err
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return dbErr(fmt.Errorf("%s: %w", q, err))
			}
			ran = append(ran, q)
		}
		return nil
	})
	return ran, err
}

// counterTriggers are the triggers of migration 7 that keep endpoint_counts and event_days.
var counterTriggers = []struct{ name, table string }{
	{"endpoint_counts_insert", "endpoints"},
	{"endpoint_counts_delete", "endpoints"},
	{"endpoint_counts_update", "endpoints"},
	{"event_days_insert", "events"},
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
