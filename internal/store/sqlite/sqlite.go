package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pinpointd/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxGroup bounds how many queued writes share one transaction.
const maxGroup = 256

// Store is the SQLite backend. It is safe for concurrent use within one process; one database
// file must not be opened by two processes at once (use PostgreSQL for that).
type Store struct {
	log    *slog.Logger
	writer *sql.DB   // one connection, owned by the commit loop
	reader *readPool // a pool of query-only connections

	jobs    chan *job
	closing chan struct{}
	done    chan struct{}
	once    sync.Once

	// The syncer (walsync.go): committed groups wait in syncq for the log's fsync; synced is
	// closed when the syncer has acknowledged the last one.
	syncq    chan *commitBatch
	synced   chan struct{}
	wal      walFile
	failed   atomic.Pointer[error] // set when an fsync failed
	syncHook atomic.Pointer[func() error]
	// syncing counts groups handed to the syncer and not yet acknowledged; the syncer signals
	// syncIdle after each round, when it may have reached zero.
	syncing  atomic.Int64
	syncIdle chan struct{}

	// The checkpointer (checkpoint.go) stops when stopCheckpoints is closed and closes
	// checkpointed; walFull asks the writer for a checkpoint of its own.
	stopCheckpoints chan struct{}
	stopOnce        sync.Once
	checkpointed    chan struct{}
	walFull         atomic.Bool

	observer atomic.Pointer[func(writes int, d time.Duration, err error)]

	// cache keeps rows GetEndpoint read, once Exclusive has made the store the database's only
	// writer (nil before); touched collects what the writer's open transaction changed, for the
	// cache to drop when the transaction ends (cache.go).
	cache    *readCache
	touched  touched
	path     string
	lockFile *os.File // held by Exclusive
}

// SetCommitObserver makes fn be told the size, duration (from BEGIN until the log holding the
// group is fsynced) and outcome of each group commit, for metrics.
func (s *Store) SetCommitObserver(fn func(writes int, d time.Duration, err error)) {
	s.observer.Store(&fn)
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies pending migrations.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	// The file holds access-key secrets: create it readable by its owner only. SQLite gives the
	// -wal and -shm files the database file's permissions.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	} else {
		f.Close()
	}
	// The writer runs with synchronous(NORMAL) and the syncer fsyncs the log before a write is
	// acknowledged (see walsync.go): an acknowledged write survives power loss (DESIGN.md promise 2).
	// Each connection keeps an 8 MB page cache. (Memory-mapping the file would save a pread per
	// cold page, but every connection maps the file anew and the resident pages count once per
	// mapping: several hundred MB of RSS under load.)
	base := []string{"busy_timeout(10000)", "foreign_keys(ON)", "journal_mode(WAL)", "cache_size(-8000)"}
	with := func(more ...string) []string { return append(slices.Clip(base), more...) }
	writer := sql.OpenDB(connector{path: path, pragmas: with("synchronous(NORMAL)", "wal_autocheckpoint(0)", "temp_store(MEMORY)")})
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := openReadPool(path, with("query_only(1)"), max(4, runtime.GOMAXPROCS(0)*2))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	s := &Store{
		path:            path,
		log:             log,
		writer:          writer,
		reader:          reader,
		jobs:            make(chan *job, maxGroup),
		closing:         make(chan struct{}),
		done:            make(chan struct{}),
		syncq:           make(chan *commitBatch, 64),
		syncIdle:        make(chan struct{}, 1),
		stopCheckpoints: make(chan struct{}),
		checkpointed:    make(chan struct{}),
		synced:          make(chan struct{}),
		wal:             walFile{path: path + "-wal"},
	}
	conn, err := writer.Conn(ctx)
	if err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	go s.syncLoop()
	go s.checkpointLoop(path, with("synchronous(NORMAL)"), s.stopCheckpoints)
	go s.commitLoop(conn)
	return s, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	// user_version counts the migrations applied, so the files must be numbered 1, 2, 3, … with
	// no gap: a gap would make a database created before the missing file arrived skip it.
	for i, name := range names {
		if n, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0]); err != nil || n != i+1 {
			return fmt.Errorf("sqlite: migration %s: want it numbered %04d (migrations are numbered 1, 2, 3, … without gaps)", name, i+1)
		}
	}
	for i, name := range names {
		if i < version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
	}
	return nil
}

// Ping reports whether both connections answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		var one int
		return c.queryRow(ctx, "SELECT 1").Scan(&one)
	})
}

// Close stops accepting writes, waits for queued ones to commit, and closes the database.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.closing) })
	<-s.done
	err := s.closeDBs()
	if s.lockFile != nil {
		s.lockFile.Close() // releases the lock
	}
	return err
}

func (s *Store) closeDBs() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// job is one write waiting for the commit loop.
type job struct {
	ctx  context.Context
	fn   func(ctx context.Context, c *conn) error
	done chan error
}

var errClosed = fmt.Errorf("sqlite: store is closed: %w", store.ErrUnavailable)

// write runs fn on the writer connection inside a transaction and returns once that transaction
// is durably committed (or fn's error, in which case nothing fn did is kept). Writes queued while
// a commit is in flight share the next transaction and its fsync (group commit); each runs inside
// its own savepoint so one failing write does not undo the others.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, c *conn) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-s.closing:
		return errClosed
	default:
	}
	if err := s.failed.Load(); err != nil {
		return *err
	}
	select {
	case s.jobs <- j:
	case <-s.closing:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the job runs: wait for its outcome even if ctx ends, so that success is
	// never reported for a write that was not committed, nor failure for one that was.
	return <-j.done
}

func (s *Store) commitLoop(raw *sql.Conn) {
	defer func() {
		s.stopCheckpointer()
		close(s.syncq)
		<-s.synced
		s.wal.close()
		raw.Close()
		close(s.done)
	}()
	// The loop uses the driver's connection directly for as long as it runs (see conn).
	err := raw.Raw(func(dc any) error {
		c, err := newConn(dc)
		if err != nil {
			return err
		}
		defer c.closeStmts()
		s.loop(c)
		return nil
	})
	if err != nil {
		s.log.Error("sqlite: writer connection unusable", "err", err)
		s.failed.CompareAndSwap(nil, &err)
		s.loop(nil)
	}
}

// loop runs groups of queued jobs until Close; c is nil when the writer connection is unusable,
// and every job then fails.
func (s *Store) loop(c *conn) {
	group := make([]*job, 0, maxGroup)
	for {
		if c != nil && s.walFull.Swap(false) {
			if _, err := checkpoint(c); err != nil {
				s.log.Warn("sqlite: checkpoint", "err", err)
			}
		}
		select {
		case j := <-s.jobs:
			s.commit(c, append(group[:0], j))
		case <-s.closing:
			// Drain what was queued before Close.
			for {
				select {
				case j := <-s.jobs:
					s.commit(c, append(group[:0], j))
				default:
					return
				}
			}
		}
	}
}

// commit runs a group of jobs, starting with group's, in one transaction and hands their outcomes
// to the syncer, which reports them once the transaction is on disk.
//
// The group grows while it runs (see gather): by what is queued, and for as long as the syncer
// is still busy with earlier groups, by what arrives meanwhile. Those writes could not be
// acknowledged before the syncer's next fsync anyway, so sharing one transaction delays none of
// them and saves a transaction's fixed costs (locks, log frames of shared pages) per write.
//
// The group first runs without savepoints, the common case in which every job succeeds. A job
// that fails (a refused write) rolls that attempt back, and the group runs again with a savepoint
// around each job, so that only the failing job is undone. Jobs are pure functions of the database
// state, so running one twice is harmless.
func (s *Store) commit(c *conn, group []*job) {
	start := time.Now()
	if c == nil {
		err := *s.failed.Load()
		s.handOff(&commitBatch{jobs: slices.Clone(group), errs: make([]error, len(group)), err: err, start: start})
		return
	}
	ctx := context.Background()
	var errs []error
	var err error
	if _, err = c.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		err = fmt.Errorf("begin: %w", err)
	} else {
		var failed bool
		group, errs, failed = s.gather(c, group)
		if failed {
			s.rollback(c)
			if len(group) > 1 {
				clear(errs)
				err = s.runWithSavepoints(c, group, errs)
			}
		} else if _, err = c.exec(ctx, "COMMIT"); err != nil {
			s.rollback(c)
			err = fmt.Errorf("commit: %w", err)
		}
	}
	// Before any of the group's writes is acknowledged (the syncer does that, after handOff).
	s.cache.invalidate(&s.touched)
	if errs == nil {
		errs = make([]error, len(group))
	}
	if err != nil {
		s.log.Error("sqlite: transaction failed", "writes", len(group), "err", err)
		err = fmt.Errorf("sqlite: %w: %w", store.ErrUnavailable, err)
	}
	s.handOff(&commitBatch{jobs: slices.Clone(group), errs: errs, err: err, start: start})
}

// gather runs jobs in the open transaction: group's, then what is queued, then, while the syncer
// is busy, what arrives, until the group has maxGroup jobs, the syncer is idle or Close begins.
// It stops at the first job that fails (failed is true; that job is the group's last).
func (s *Store) gather(c *conn, group []*job) (_ []*job, errs []error, failed bool) {
	errs = make([]error, 0, maxGroup)
	for i := 0; ; i++ {
		j := group[i]
		if err := j.ctx.Err(); err != nil {
			errs = append(errs, err) // its caller has gone: the job does not run
		} else {
			errs = append(errs, s.run(c, j))
			if errs[i] != nil {
				return group, errs, true
			}
		}
		if i+1 < len(group) {
			continue
		}
		if len(group) == maxGroup {
			return group, errs, false
		}
		j, ok := s.next()
		if !ok {
			return group, errs, false
		}
		group = append(group, j)
	}
}

// next returns a queued job, or waits for one while the syncer is busy with earlier groups. ok
// is false when the group should commit now.
func (s *Store) next() (_ *job, ok bool) {
	select {
	case j := <-s.jobs:
		return j, true
	default:
	}
	for s.syncing.Load() > 0 {
		select {
		case j := <-s.jobs:
			return j, true
		case <-s.syncIdle: // the syncer finished a round: look again
		case <-s.closing:
			return nil, false
		}
	}
	return nil, false
}

// run runs one job in the open transaction. A job that started runs to its end even if its
// caller goes away (write waits for it anyway), so its statements get no cancellable context:
// the driver would watch each one's context with a goroutine of its own.
func (s *Store) run(c *conn, j *job) error {
	return j.fn(context.Background(), c)
}

// runWithSavepoints runs the jobs in a new transaction, each in a savepoint that is rolled back if
// the job fails, and commits. It records each job's error in errs; err is a failure of the
// transaction itself.
func (s *Store) runWithSavepoints(c *conn, group []*job, errs []error) error {
	ctx := context.Background()
	if _, err := c.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for i, j := range group {
		if _, err := c.exec(ctx, "SAVEPOINT job"); err != nil {
			s.rollback(c)
			return fmt.Errorf("savepoint: %w", err)
		}
		if errs[i] = j.ctx.Err(); errs[i] == nil {
			errs[i] = s.run(c, j)
		}
		if errs[i] != nil {
			c.exec(ctx, "ROLLBACK TO job")
			clear(c.apps)
		}
		c.exec(ctx, "RELEASE job")
	}
	if _, err := c.exec(ctx, "COMMIT"); err != nil {
		s.rollback(c)
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rollback ends the open transaction, dropping the app cache, which may hold what it wrote.
func (s *Store) rollback(c *conn) {
	c.exec(context.Background(), "ROLLBACK")
	clear(c.apps)
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		return q[:i]
	}
	return q
}
