package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// readPool is the pool of query-only connections with a statement cache: each query text is
// prepared once per connection instead of on every call.
type readPool struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func (p *readPool) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	p.mu.RLock()
	st := p.stmts[q]
	p.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st = p.stmts[q]; st != nil {
		return st, nil
	}
	st, err := p.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	p.stmts[q] = st
	return st, nil
}

func (p *readPool) QueryRowContext(ctx context.Context, q string, args ...any) scanner {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return p.db.QueryRowContext(ctx, q, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *readPool) QueryContext(ctx context.Context, q string, args ...any) (rowIter, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p *readPool) PingContext(ctx context.Context) error { return p.db.PingContext(ctx) }

func (p *readPool) Close() error {
	p.mu.Lock()
	for _, st := range p.stmts {
		st.Close()
	}
	p.mu.Unlock()
	return p.db.Close()
}
