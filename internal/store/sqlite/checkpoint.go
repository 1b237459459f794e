package sqlite

import (
	"context"
	"time"
)

// Checkpoints off the writer's path.
//
// SQLite copies the write-ahead log back into the database file in checkpoints. By default the
// connection that commits runs one whenever the log passes 1,000 pages, inside that COMMIT: the
// single writer then stops for the copy and an fsync of the database file, and every write queued
// behind it waits. The writer connection therefore has automatic checkpoints turned off, and a
// checkpointer goroutine with a connection of its own runs PASSIVE checkpoints, which copy
// concurrently with the writer, every checkpointEvery. The longer the interval, the more often a
// page written several times meanwhile is copied once: 500 ms took ~3 % less server CPU per
// UpdateEndpoint than 100 ms in pinpointd bench (10,000 endpoints), at the price of a longer log.
//
// A passive checkpoint copies the log up to where it was when the checkpoint began; SQLite starts
// the log again from its beginning only when a write begins while every frame has been copied.
// Under a steady write load that may not happen, so when the log exceeds walLimitFrames the
// writer runs a checkpoint itself between two groups (nothing is appended meanwhile, so it
// catches up, and the next write restarts the log).

const (
	checkpointEvery = 500 * time.Millisecond
	walLimitFrames  = 16384 // 64 MB of 4 KB pages
)

// checkpointLoop runs passive checkpoints until done is closed.
func (s *Store) checkpointLoop(path string, pragmas []string, done <-chan struct{}) {
	defer close(s.checkpointed)
	c, err := openConn(path, pragmas)
	if err != nil {
		s.log.Error("sqlite: checkpointer connection", "err", err)
		return
	}
	defer func() {
		c.closeStmts()
		c.close()
	}()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		frames, err := checkpoint(c)
		if err != nil {
			s.log.Warn("sqlite: checkpoint", "err", err)
			continue
		}
		if frames > walLimitFrames {
			s.walFull.Store(true)
		}
	}
}

// stopCheckpointer stops the checkpointer and waits for it to finish.
func (s *Store) stopCheckpointer() {
	s.stopOnce.Do(func() { close(s.stopCheckpoints) })
	<-s.checkpointed
}

// checkpoint runs a passive checkpoint and returns the number of frames in the log.
func checkpoint(c *conn) (frames int64, err error) {
	var busy, copied int64
	err = c.queryRow(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	return frames, err
}
