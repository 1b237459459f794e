package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// Defaults of Config.
const (
	DefaultLease      = 30 * time.Second
	DefaultPoll       = time.Second
	DefaultWorkers    = 2
	DefaultPerAccount = 10 // Pinpoint's quota of active import jobs per account
	DefaultPieceSize  = 100_000
	DefaultBatchSize  = 1000
)

// Config configures a Runner. Store and Storage are required.
type Config struct {
	Store   store.Store
	Storage *Storage
	Log     *slog.Logger
	Now     func() time.Time // default time.Now
	// Owner names this runner in leases; default host-pid-random, unique per start.
	Owner string
	// Lease is how long a claimed job stays this runner's without a heartbeat; a job whose
	// runner died is taken over this long after its last heartbeat. Heartbeats come every Lease/3.
	Lease time.Duration
	// Poll is how often the runner looks for runnable jobs when not woken.
	Poll time.Duration
	// Workers is how many jobs this runner runs at once.
	Workers int
	// PerAccount is how many jobs of one account run at once, across every runner.
	PerAccount int
	// PieceSize is how many endpoints one export piece (file) holds.
	PieceSize int
	// BatchSize is how many imported endpoints one store transaction writes.
	BatchSize int
	// SaveEvery bounds how often progress is saved between pieces; default Lease/10.
	SaveEvery time.Duration
}

// Runner runs import and export jobs in the background: it claims runnable jobs from the store,
// runs each under a lease it renews, and saves their progress. Any number of runners, in any
// number of processes sharing a store, can run at once: the lease makes each job run in exactly
// one of them at a time, and a job whose runner stopped is resumed by another (or the same one,
// restarted) from its last checkpoint once the lease ends.
type Runner struct {
	cfg  Config
	wake chan struct{}
}

// New returns a Runner for cfg, with defaults filled in.
func New(cfg Config) *Runner {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		var b [6]byte
		rand.Read(b[:])
		cfg.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PerAccount <= 0 {
		cfg.PerAccount = DefaultPerAccount
	}
	if cfg.PieceSize <= 0 {
		cfg.PieceSize = DefaultPieceSize
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.SaveEvery <= 0 {
		cfg.SaveEvery = cfg.Lease / 10
	}
	return &Runner{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes the runner look for runnable jobs now rather than at its next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx ends, then stops its jobs, hands their leases back (so that
// a restarted process resumes them at once) and returns.
func (r *Runner) Run(ctx context.Context) {
	slots := make(chan struct{}, r.cfg.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(r.cfg.Poll)
	defer tick.Stop()
	for {
		r.claimSome(ctx, slots, &wg)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-r.wake:
		}
	}
}

// claimSome claims jobs while a worker slot is free and there is one to claim.
func (r *Runner) claimSome(ctx context.Context, slots chan struct{}, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		select {
		case slots <- struct{}{}:
		default:
			return
		}
		now := r.cfg.Now()
		j, err := r.cfg.Store.ClaimJob(ctx, r.cfg.Owner, now, now.Add(r.cfg.Lease), r.cfg.PerAccount)
		if err != nil || j == nil {
			<-slots
			if err != nil && ctx.Err() == nil {
				r.cfg.Log.Warn("jobs: claim", "err", err)
			}
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			r.run(ctx, j)
		}()
	}
}

// checkpoint is where a job resumes. It is saved together with the counters it describes, at the
// end of each piece: whoever resumes the job starts at piece Done with these counters, so a piece
// is never counted twice.
type checkpoint struct {
	Pieces []string `json:"pieces,omitempty"` // import: the objects to read, in order
	Done   int      `json:"done"`             // pieces finished
	After  string   `json:"after,omitempty"`  // export: the last endpoint ID its pieces cover
	// SegmentVersion is the segment version an export selects, fixed when it first runs.
	SegmentVersion int      `json:"segmentVersion,omitempty"`
	Processed      int      `json:"processed"`
	Failures       int      `json:"failures"`
	FailedPieces   int      `json:"failedPieces"`
	Messages       []string `json:"messages,omitempty"`
}

// task is one job being run by this runner.
type task struct {
	r      *Runner
	cancel context.CancelFunc

	mu       sync.Mutex // guards job and lastSave, and serializes saves
	job      store.Job
	lastSave time.Time
}

// errStop ends a run without finishing the job: the lease was lost, or the process is stopping.
var errStop = errors.New("jobs: run stopped")

func (r *Runner) run(parent context.Context, j *store.Job) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	t := &task{r: r, cancel: cancel, job: *j}
	log := r.cfg.Log.With("job", j.ID, "app", j.AppID, "type", j.Type)
	log.Info("jobs: running", "status", j.Status, "resumed", len(j.Checkpoint) > 0)

	var cp checkpoint
	if len(j.Checkpoint) > 0 {
		if err := json.Unmarshal(j.Checkpoint, &cp); err != nil {
			log.Error("jobs: unreadable checkpoint; starting over", "err", err)
			cp = checkpoint{}
		}
	}
	// Counters restart from the checkpoint: what was counted after it is done again.
	t.update(func(j *store.Job) {
		j.TotalProcessed, j.TotalFailures, j.FailedPieces, j.Failures = cp.Processed, cp.Failures, cp.FailedPieces, cp.Messages
		j.CompletedPieces = cp.Done - cp.FailedPieces
	})

	hb := make(chan struct{})
	go t.heartbeat(ctx, hb)
	var err error
	switch j.Type {
	case pinpoint.JobTypeImport:
		err = t.runImport(ctx, &cp)
	case pinpoint.JobTypeExport:
		err = t.runExport(ctx, &cp)
	default:
		err = t.fail(ctx, fmt.Sprintf("unknown job type %q", j.Type))
	}
	cancel()
	<-hb
	switch {
	case err == nil:
		log.Info("jobs: finished", "status", t.snapshot().Status)
	case parent.Err() != nil:
		// The process is stopping: hand the lease back so the next process resumes at once.
		t.mu.Lock()
		j := t.job
		t.mu.Unlock()
		j.LeaseUntil = time.UnixMilli(1)
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := r.cfg.Store.SaveJob(sctx, r.cfg.Owner, j); err != nil && !errors.Is(err, store.ErrLeaseLost) {
			log.Warn("jobs: hand back lease", "err", err)
		}
		log.Info("jobs: stopped with the process; resumable")
	default:
		// Lease lost, or the store failed: the lease runs out and a runner resumes the job.
		log.Warn("jobs: run stopped; the job resumes when its lease ends", "err", err)
	}
}

// heartbeat renews the lease every Lease/3 until ctx ends, then closes done.
func (t *task) heartbeat(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(t.r.cfg.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := t.save(ctx, true); err != nil && ctx.Err() == nil {
				t.r.cfg.Log.Warn("jobs: heartbeat", "job", t.job.ID, "err", err)
			}
		}
	}
}

func (t *task) update(fn func(j *store.Job)) {
	t.mu.Lock()
	fn(&t.job)
	t.mu.Unlock()
}

func (t *task) snapshot() store.Job {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.job
}

// save stores the job's state and renews the lease; unless force, at most every SaveEvery. Losing
// the lease cancels the run.
func (t *task) save(ctx context.Context, force bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.r.cfg.Now()
	if !force && now.Sub(t.lastSave) < t.r.cfg.SaveEvery {
		return nil
	}
	j := t.job
	j.LeaseUntil = now.Add(t.r.cfg.Lease)
	err := t.r.cfg.Store.SaveJob(ctx, t.r.cfg.Owner, j)
	if errors.Is(err, store.ErrLeaseLost) {
		t.cancel()
		return fmt.Errorf("%w: %w", errStop, err)
	}
	if err != nil {
		return err
	}
	t.job.LeaseUntil, t.lastSave = j.LeaseUntil, now
	return nil
}

// setStatus moves the job to status and saves it.
func (t *task) setStatus(ctx context.Context, status string) error {
	t.update(func(j *store.Job) { j.Status = status })
	return t.save(ctx, true)
}

// pieceDone records a finished piece (failed with msg when msg is not ""), makes the counters the
// new checkpoint, and saves.
func (t *task) pieceDone(ctx context.Context, cp *checkpoint, msg string) error {
	t.update(func(j *store.Job) {
		if msg != "" {
			j.FailedPieces++
			addFailure(j, msg)
		} else {
			j.CompletedPieces++
		}
		cp.Done++
		cp.Processed, cp.Failures, cp.FailedPieces, cp.Messages = j.TotalProcessed, j.TotalFailures, j.FailedPieces, j.Failures
		j.Checkpoint, _ = json.Marshal(cp)
	})
	return t.save(ctx, true)
}

// finish ends the job: COMPLETED, or FAILED when a piece failed.
func (t *task) finish(ctx context.Context) error {
	t.update(func(j *store.Job) {
		j.Status = pinpoint.JobCompleted
		if j.FailedPieces > 0 {
			j.Status = pinpoint.JobFailed
		}
		j.CompletionDate = pinpoint.FormatTime(t.r.cfg.Now())
	})
	return t.save(ctx, true)
}

// fail ends the job as FAILED with reason as its failure.
func (t *task) fail(ctx context.Context, reason string) error {
	t.update(func(j *store.Job) {
		j.Status = pinpoint.JobFailed
		j.CompletionDate = pinpoint.FormatTime(t.r.cfg.Now())
		addFailure(j, reason)
	})
	return t.save(ctx, true)
}

// addFailure keeps the first MaxJobFailures messages.
func addFailure(j *store.Job, msg string) {
	if len(j.Failures) < pinpoint.MaxJobFailures {
		j.Failures = append(j.Failures[:len(j.Failures):len(j.Failures)], msg)
	}
}
