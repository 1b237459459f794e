package sqlite

import (
	"context"
	"errors"
)

// readPool is a fixed pool of query-only connections, used through the driver like the writer's
// (see conn), each with its own statement cache. Reads are short index lookups or bounded pages,
// so their statements run to completion rather than watching the caller's context; a caller that
// gives up waits at most for the statement it started.
type readPool struct {
	conns chan *conn
	all   []*conn
}

func openReadPool(path string, pragmas []string, n int) (*readPool, error) {
	p := &readPool{conns: make(chan *conn, n)}
	for range n {
		c, err := openConn(path, pragmas)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.all = append(p.all, c)
		p.conns <- c
	}
	return p, nil
}

func (p *readPool) get(ctx context.Context) (*conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// QueryRowContext runs a query and reads its first row before the connection goes back to the
// pool; Scan of the result reports sql.ErrNoRows when there is none.
func (p *readPool) QueryRowContext(ctx context.Context, q string, args ...any) scanner {
	c, err := p.get(ctx)
	if err != nil {
		return errRow{err}
	}
	defer func() { p.conns <- c }()
	return c.queryRow(context.Background(), q, args...)
}

// QueryContext runs a query; the connection goes back to the pool when the rows are closed.
func (p *readPool) QueryContext(ctx context.Context, q string, args ...any) (rowIter, error) {
	c, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.query(context.Background(), q, args...)
	if err != nil {
		p.conns <- c
		return nil, err
	}
	return &pooledRows{rows: r.(*rows), release: func() { p.conns <- c }}, nil
}

type pooledRows struct {
	*rows
	release func()
}

func (r *pooledRows) Close() error {
	err := r.rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}

// PingContext checks that a reader answers.
func (p *readPool) PingContext(ctx context.Context) error {
	var one int
	return p.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes every connection; callers must have returned theirs.
func (p *readPool) Close() error {
	var errs []error
	for _, c := range p.all {
		c.closeStmts()
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}
