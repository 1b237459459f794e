package sqlite

import (
	"fmt"
	"os"
	"time"

	"pinpointd/internal/store"
)

// Durability without stalling the writer.
//
// With synchronous=FULL, SQLite fsyncs the write-ahead log inside every COMMIT, and the single
// writer can do nothing else until the disk answers: on a virtual disk that wait was most of each
// group commit's time. The writer connection therefore runs with synchronous=NORMAL (COMMIT writes
// the log but does not fsync it) and a second goroutine, the syncer, fsyncs the log file itself
// before any write of a committed group is acknowledged. While the syncer waits on the disk, the
// writer runs the next group; groups that commit during one fsync share the next one.
//
// That is what synchronous=FULL does, moved off the writer's path: a transaction is durable once
// its log frames are on disk, and an fsync of the log file covers every frame written before it
// began. Under NORMAL, SQLite still fsyncs the log before each checkpoint and the database after
// it, and fsyncs the log header when it starts reusing the log, so a checkpoint never loses a
// transaction whose frames were fsynced. What changes is visibility: another connection can read
// a committed write during the fsync, before the write is acknowledged (and a power loss in that
// instant would lose it, as it loses any write not yet acknowledged).
//
// An fsync that fails leaves the state of the disk unknown (the kernel may have dropped the
// dirty pages), so the store refuses every later write until it is reopened.

// commitBatch is one committed (or failed) group waiting for the log to be on disk.
type commitBatch struct {
	jobs  []*job
	errs  []error // each job's own outcome
	err   error   // the transaction's failure, if any
	start time.Time
}

// syncLoop acknowledges committed groups once an fsync that began after their COMMIT returned.
func (s *Store) syncLoop() {
	defer close(s.synced)
	for b := range s.syncq {
		batches := append(make([]*commitBatch, 0, 8), b)
	more:
		for {
			select {
			case b, ok := <-s.syncq:
				if !ok {
					break more
				}
				batches = append(batches, b)
			default:
				break more
			}
		}
		var err error
		for _, b := range batches {
			if b.err == nil {
				err = s.syncWAL()
				break
			}
		}
		for _, b := range batches {
			s.acknowledge(b, err)
		}
		s.syncing.Add(-int64(len(batches)))
		select {
		case s.syncIdle <- struct{}{}:
		default:
		}
	}
}

// handOff passes a committed (or failed) group to the syncer.
func (s *Store) handOff(b *commitBatch) {
	s.syncing.Add(1)
	s.syncq <- b
}

func (s *Store) acknowledge(b *commitBatch, syncErr error) {
	err := b.err
	if err == nil && syncErr != nil {
		err = syncErr
	}
	for i, j := range b.jobs {
		if b.errs[i] == nil {
			b.errs[i] = err
		}
		j.done <- b.errs[i]
	}
	if fn := s.observer.Load(); fn != nil {
		(*fn)(len(b.jobs), time.Since(b.start), err)
	}
}

// syncWAL fsyncs the write-ahead log. The file is kept open, and reopened if SQLite replaced it.
func (s *Store) syncWAL() error {
	if err := s.failed.Load(); err != nil {
		return *err
	}
	var err error
	if hook := s.syncHook.Load(); hook != nil {
		err = (*hook)()
	} else {
		err = s.wal.sync()
	}
	if err != nil {
		err = fmt.Errorf("sqlite: fsync of the write-ahead log failed, writes are refused until pinpointd restarts: %w: %w", store.ErrUnavailable, err)
		s.log.Error("sqlite: fsync failed", "err", err)
		s.failed.CompareAndSwap(nil, &err)
	}
	return err
}

// walFile is the open write-ahead log, used by the syncer goroutine only.
type walFile struct {
	path string
	f    *os.File
	fi   os.FileInfo
}

func (w *walFile) sync() error {
	fi, err := os.Stat(w.path)
	if err != nil {
		return err
	}
	if w.f == nil || !os.SameFile(fi, w.fi) {
		w.close()
		if w.f, err = os.Open(w.path); err != nil {
			return err
		}
		w.fi = fi
	}
	return w.f.Sync()
}

func (w *walFile) close() {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}
