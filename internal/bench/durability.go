package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// verifyDurability checks DESIGN.md promise 2 from the outside: writers record every acknowledged
// UpdateEndpoint, the server is killed with SIGKILL in the middle of the load, restarted on the
// same database, and every acknowledged write must be there with its acknowledged value (or a
// later one that was sent but whose answer the kill cut off).
func verifyDurability(ctx context.Context, o benchOptions, stdout io.Writer) error {
	dsn := o.store
	if dsn == "" {
		dir, err := os.MkdirTemp("", "pinpointd-durability-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "durability.db")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv, err := startChildAt(ctx, o, dsn, addr)
	if err != nil {
		return err
	}
	o.target = srv.url
	c, err := newBenchClient(o)
	if err != nil {
		srv.kill()
		return err
	}
	c.wire.timeout = 5 * time.Second
	app, err := c.createApp()
	if err != nil {
		srv.kill()
		return fmt.Errorf("durability: create app: %w", err)
	}
	c.app = app

	const perWorker = 8
	workers := min(o.concurrency, 16)
	type span struct{ acked, sent int64 }
	spans := make([]map[string]*span, workers)
	var acked atomic.Int64
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		spans[w] = map[string]*span{}
		wg.Go(func() {
			var seq int64
			for !stopped.Load() {
				seq++
				id := fmt.Sprintf("durable-%02d-%d", w, seq%perWorker)
				sp := spans[w][id]
				if sp == nil {
					sp = &span{}
					spans[w][id] = sp
				}
				sp.sent = seq
				body := fmt.Appendf(nil, `{"ChannelType":"EMAIL","Address":"%s@example.com","Attributes":{"seq":["%d"]},"Metrics":{"seq":%d}}`, id, seq, seq)
				status, _ := c.do("PUT", "/v1/apps/"+app+"/endpoints/"+id, body)
				if status == http.StatusAccepted {
					sp.acked = seq
					acked.Add(1)
				} else if status == 0 {
					time.Sleep(10 * time.Millisecond) // the server is gone; wait for the end of the run
				}
			}
		})
	}
	time.Sleep(o.duration / 2)
	srv.kill() // SIGKILL: no shutdown, no flush
	killedAt := acked.Load()
	time.Sleep(200 * time.Millisecond)
	stopped.Store(true)
	wg.Wait()

	srv, err = startChildAt(ctx, o, dsn, addr)
	if err != nil {
		return fmt.Errorf("durability: restart: %w", err)
	}
	defer srv.stop()
	c.wire.close() // connections to the killed server
	checked, lost := 0, 0
	for w := range workers {
		for id, sp := range spans[w] {
			if sp.acked == 0 {
				continue
			}
			got, err := c.getSeq(id)
			checked++
			if err != nil || got < sp.acked || got > sp.sent {
				lost++
				fmt.Fprintf(stdout, "LOST %s: acknowledged seq %d (last sent %d), found %d (%v)\n", id, sp.acked, sp.sent, got, err)
			}
		}
	}
	fmt.Fprintf(stdout, "durability: %d writes acknowledged before SIGKILL, %d endpoints checked after restart, %d lost\n", killedAt, checked, lost)
	if acked.Load() == 0 || checked == 0 {
		return fmt.Errorf("durability: no write was acknowledged; nothing was checked")
	}
	if lost > 0 {
		return fmt.Errorf("durability: %d acknowledged writes lost", lost)
	}
	return nil
}

func (c *benchClient) getSeq(id string) (int64, error) {
	resp, err := c.send("GET", "/v1/apps/"+c.app+"/endpoints/"+id, nil)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.status)
	}
	var e struct{ Attributes map[string][]string }
	if err := json.Unmarshal(resp.body, &e); err != nil {
		return 0, err
	}
	if len(e.Attributes["seq"]) != 1 {
		return 0, fmt.Errorf("no seq attribute")
	}
	return strconv.ParseInt(e.Attributes["seq"][0], 10, 64)
}
