package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"pinpointd/internal/store"
)

// Defaults applied when the DSN does not set them, so that a dead database fails a request within
// seconds rather than after the operating system's minutes-long TCP timeouts.
const (
	connectTimeout = 5 * time.Second  // dialing and authenticating one connection (DSN: connect_timeout)
	pingTimeout    = 5 * time.Second  // liveness ping of a pooled connection idle for over a second (DSN: pool_ping_timeout)
	keepAliveIdle  = 15 * time.Second // TCP keepalive: a silent peer is declared dead after idle + count*interval
	keepAliveIntvl = 5 * time.Second
	keepAliveCount = 3
)

// Store is a store.Store on PostgreSQL (or a PostgreSQL-wire engine). It is safe for concurrent use
// by many goroutines and by many processes sharing one database.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// citus is set when the database has the citus extension: Ping then also asks every worker.
	citus bool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (postgres://user@host/db?...; pgx's pool_* parameters
// size the pool, any other unknown parameter, such as search_path, is sent as a run-time setting)
// and applies pending migrations. log may be nil.
//
// The pool connects lazily and reconnects by itself: when the database goes away, operations fail
// with store.ErrUnavailable, and succeed again once it is back.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := parseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool, log: log}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&s.citus); err != nil {
		pool.Close()
		return nil, s.fail("open", err)
	}
	return s, nil
}

// Migrate applies pending migrations to the database named by dsn and returns. It is safe to run
// while pinpointd processes use the database and while other processes migrate it.
func Migrate(ctx context.Context, dsn string, log *slog.Logger) error {
	s, err := Open(ctx, dsn, log)
	if err != nil {
		return err
	}
	return s.Close()
}

func parseConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if cfg.PingTimeout == 0 {
		cfg.PingTimeout = pingTimeout
	}
	// pgconn's default dialer probes a silent peer only after 5 minutes; a database host that
	// vanished (rather than closed its connections) must fail requests sooner.
	d := &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{
		Enable:   true,
		Idle:     keepAliveIdle,
		Interval: keepAliveIntvl,
		Count:    keepAliveCount,
	}}
	cfg.ConnConfig.DialFunc = d.DialContext
	return cfg, nil
}

// Ping reports whether the database answers; the error wraps store.ErrUnavailable when it does not.
// Like every call, it tries a fresh connection when a pooled one turns out broken.
//
// On Citus the coordinator answering is not enough: the apps whose shards live on a worker that
// is down fail. Ping then runs a trivial command on every worker and fails when one does not
// answer, so /readyz reports a partial outage.
func (s *Store) Ping(ctx context.Context) error {
	return s.run(ctx, "ping", func(ctx context.Context) error {
		if !s.citus {
			return dbErr(s.pool.Ping(ctx))
		}
		var down int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FILTER (WHERE NOT success) FROM run_command_on_workers('SELECT 1')").Scan(&down); err != nil {
			return dbErr(err)
		}
		if down > 0 {
			return fmt.Errorf("postgres: %d Citus worker(s) do not answer: %w", down, store.ErrUnavailable)
		}
		return nil
	})
}

// Close waits until every connection in use is released (so in-flight operations finish), then
// closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
