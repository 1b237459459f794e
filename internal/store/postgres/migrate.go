package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrations are applied in the order of their numeric prefix (0001_init.sql is version 1). A
// migration, once released, is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrateLockKey names the advisory lock that serializes migrating processes ("pinpoint").
// Only migrations use an advisory lock; no data rule depends on one.
const migrateLockKey int64 = 0x70696e706f696e74

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		prefix, _, _ := strings.Cut(path.Base(name), "_")
		version, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: name must start with a version number", name)
		}
		b, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: version, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// migrate applies every migration not yet recorded in schema_migrations, each in its own
// transaction. Each transaction takes a transaction-level advisory lock first, so processes
// starting together apply each migration once and the others wait, then see it recorded.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		var applied bool
		err := s.inTx(ctx, "migrate", func(tx pgx.Tx) error {
			applied = false
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
				return dbErr(err)
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    integer PRIMARY KEY,
				applied_at timestamptz NOT NULL DEFAULT now()
			)`); err != nil {
				return dbErr(err)
			}
			if err := referenceMigrations(ctx, tx); err != nil {
				return err
			}
			var done bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", m.version).Scan(&done); err != nil {
				return dbErr(err)
			}
			if done {
				return nil
			}
			// Without arguments pgx uses the simple protocol, which runs a multi-statement script.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return dbErr(fmt.Errorf("%s: %w", m.name, err))
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", m.version); err != nil {
				return dbErr(err)
			}
			applied = true
			return nil
		})
		if err != nil {
			return err
		}
		if applied {
			s.log.InfoContext(ctx, "postgres: applied migration", "version", m.version, "file", m.name)
		}
	}
	return s.keepDistributed(ctx)
}

// referenceMigrations makes schema_migrations a reference table when the database has the citus
// extension, so that a pinpointd connected through any Citus node sees which migrations ran.
func referenceMigrations(ctx context.Context, tx pgx.Tx) error {
	ok, err := hasCitus(ctx, tx)
	if err != nil || !ok {
		return err
	}
	if done, err := isCitusTable(ctx, tx, "schema_migrations"); err != nil || done {
		return err
	}
	_, err = tx.Exec(ctx, "SELECT create_reference_table('schema_migrations')")
	return dbErr(err)
}

// keepDistributed distributes the tables that migrations added after the operator distributed
// the schema (`pinpointd migrate --distribute`): once apps is distributed, every table is.
func (s *Store) keepDistributed(ctx context.Context) error {
	return s.inTx(ctx, "distribute", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return dbErr(err)
		}
		ok, err := hasCitus(ctx, tx)
		if err != nil || !ok {
			return err
		}
		if done, err := isCitusTable(ctx, tx, "apps"); err != nil || !done {
			return err
		}
		stmts, err := distributeStatements(ctx, tx)
		if err != nil {
			return err
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return dbErr(fmt.Errorf("%s: %w", q, err))
			}
			s.log.InfoContext(ctx, "postgres: distributed a new table", "statement", q)
		}
		return nil
	})
}
