package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"pinpointd/internal/store"
)

// Group writing: the cost of a write on PostgreSQL is mostly fixed per transaction and per round
// trip (BEGIN, the app's row, COMMIT and its WAL flush, and for each round trip a wake-up of the
// backend and of this process), not per row. A process therefore gathers the single-endpoint
// WriteEndpoints calls (UpdateEndpoint, and PutEvents for one endpoint) that arrive concurrently
// and runs those for the same app in one transaction, as a batch of their writes: a group of n
// updates that keep their users costs three round trips and 3n+3 statements (BEGIN, the app, and
// COMMIT; each endpoint's row, its user's row and the UPDATE), instead of 2n round trips and 6n
// statements.
//
// The rules hold as for any batch (WriteEndpoints): the group locks its endpoints in ID order and
// then their users in user ID order, and a write is acknowledged only after the group's COMMIT.
// Writes of the same endpoint never share a group: the later one runs in a later group, after the
// earlier one committed. A group that the database refuses for a reason worth retrying
// (deadlock, serialization failure, a concurrent writer taking an address or ID first) is retried
// whole, as one call is. When a write of the group is refused on its own (its updater or a domain
// rule) or the group fails in the database for another reason, the group is rolled back and run
// again as two halves (runSorted), down to single calls that run alone, as they would have
// without grouping, so that one call's refusal never reaches another.
const (
	// groupWriters is how many groups of a process may be in flight at once, each on its own
	// connection. One: on the 2-core machine of docs/PERFORMANCE.md, where the database shares
	// the cores, a second writer made groups smaller and cost both processes more CPU per write
	// (fifth round). The calls that arrive while a group runs form the next one.
	groupWriters = 1
	// maxGroup bounds the calls of one group, and so the statements of one pipeline.
	maxGroup = 128
)

// groupJob is one single-endpoint WriteEndpoints call waiting for its group.
type groupJob struct {
	ctx            context.Context
	account, appID string
	write          store.EndpointWrite
	atomic         bool
	done           chan struct{}
	// results and err are WriteEndpoints' answer, set before done is closed.
	results []store.WriteResult
	err     error
}

// grouper gathers jobs and runs them in groups on groupWriters goroutines.
type grouper struct {
	s    *Store
	jobs chan *groupJob
	stop chan struct{}
	// mu guards closed; pending counts the jobs submitted and not yet answered, so that Close
	// waits for them.
	mu      sync.RWMutex
	closed  bool
	pending sync.WaitGroup
	workers sync.WaitGroup
	once    sync.Once
}

var errClosed = errors.New("postgres: store closed")

func newGrouper(s *Store) *grouper {
	g := &grouper{s: s, jobs: make(chan *groupJob, maxGroup), stop: make(chan struct{})}
	for range groupWriters {
		g.workers.Add(1)
		go g.run()
	}
	return g
}

// write submits one write and waits for its group. It returns what WriteEndpoints returns.
func (g *grouper) write(ctx context.Context, account, appID string, w store.EndpointWrite, atomic bool) ([]store.WriteResult, error) {
	j := &groupJob{ctx: ctx, account: account, appID: appID, write: w, atomic: atomic, done: make(chan struct{})}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return nil, errClosed
	}
	g.pending.Add(1)
	g.mu.RUnlock()
	defer g.pending.Done()
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// The job is waited for even when ctx ends meanwhile: once it may be in a transaction, an
	// error returned must mean that nothing was written, and only the group knows.
	<-j.done
	return j.results, j.err
}

// close waits for every submitted job to be answered and stops the writers.
func (g *grouper) close() {
	g.once.Do(func() {
		g.mu.Lock()
		g.closed = true
		g.mu.Unlock()
		g.pending.Wait()
		close(g.stop)
		g.workers.Wait()
	})
}

// run takes the jobs waiting, up to maxGroup, and runs them, until close.
func (g *grouper) run() {
	defer g.workers.Done()
	var batch []*groupJob
	for {
		select {
		case j := <-g.jobs:
			batch = append(batch[:0], j)
		case <-g.stop:
			return
		}
	gather:
		for len(batch) < maxGroup {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break gather
			}
		}
		for _, group := range partition(batch) {
			g.runGroup(group)
		}
		clear(batch)
	}
}

// partition splits jobs into groups of one app each in which no endpoint appears twice. A job
// whose endpoint is in a group already goes to a later group of its app, so writes of one
// endpoint run in the order they were taken. Groups are returned in the order they must run.
func partition(jobs []*groupJob) [][]*groupJob {
	type appKey struct{ account, appID string }
	var groups [][]*groupJob
	byApp := map[appKey][]int{} // indexes into groups, in order
	for _, j := range jobs {
		k := appKey{j.account, j.appID}
		idx := byApp[k]
		n := 0 // the first of the app's groups after every one that holds j's endpoint
		for i, gi := range idx {
			if slices.ContainsFunc(groups[gi], func(o *groupJob) bool { return o.write.ID == j.write.ID }) {
				n = i + 1
			}
		}
		if n == len(idx) {
			byApp[k] = append(idx, len(groups))
			groups = append(groups, nil)
			idx = byApp[k]
		}
		groups[idx[n]] = append(groups[idx[n]], j)
	}
	return groups
}

// runGroup answers the jobs whose context has ended and runs the others (one app, distinct
// endpoints) with runSorted.
func (g *grouper) runGroup(jobs []*groupJob) {
	live := jobs[:0:0]
	for _, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			close(j.done)
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		g.alone(live[0])
		return
	}
	// Deadlock-free order for the writes' own locks too (a joined user is locked as its write
	// runs): the calls are concurrent, so any order is theirs.
	slices.SortFunc(live, func(a, b *groupJob) int { return strings.Compare(a.write.ID, b.write.ID) })
	g.runSorted(live)
}

// runSorted runs jobs (at least one; one app, distinct endpoints, in ID order) in one
// transaction and answers each. When a write of the group is refused, or the database refuses a
// statement, the group is split in two halves that run the same way, down to calls that run
// alone and get their own answers: a refused write costs its group about 2·log2(n) transactions
// rather than n.
func (g *grouper) runSorted(jobs []*groupJob) {
	if len(jobs) == 1 {
		g.alone(jobs[0])
		return
	}
	ctx, cancel := groupContext(jobs)
	defer cancel()
	writes := make([]store.EndpointWrite, len(jobs))
	for i, j := range jobs {
		writes[i] = j.write
	}
	results, err := g.s.writeEndpoints(ctx, jobs[0].account, jobs[0].appID, writes, true)
	switch {
	case err == nil:
		for i, j := range jobs {
			j.results = []store.WriteResult{results[i]}
			close(j.done)
		}
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrAppNotFound):
		// Each call alone would fail the same way: the app is the group's, and so is the database.
		for _, j := range jobs {
			j.err = err
			close(j.done)
		}
	default:
		half := len(jobs) / 2
		g.runSorted(jobs[:half])
		g.runSorted(jobs[half:])
	}
}

// alone runs one job as an ungrouped call.
func (g *grouper) alone(j *groupJob) {
	j.results, j.err = g.s.writeEndpoints(j.ctx, j.account, j.appID, []store.EndpointWrite{j.write}, j.atomic)
	close(j.done)
}

// groupContext returns the context of a group's transaction: not cancelled when one call's
// context is (the others' writes go on), but bounded by the latest deadline of the calls when
// each has one.
func groupContext(jobs []*groupJob) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, j := range jobs {
		d, ok := j.ctx.Deadline()
		if !ok {
			return context.WithCancel(context.WithoutCancel(j.ctx))
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.WithoutCancel(jobs[0].ctx), latest)
}
