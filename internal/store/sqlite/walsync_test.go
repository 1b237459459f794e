package sqlite

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

const testAccount = "111111111111"

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	app := pinpoint.App{ID: "app1", Account: testAccount, Name: "a", CreationDate: "2026-11-29T00:00:00.000Z"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	return s, app.ID
}

// patch returns a write of id that merges req.
func patch(id string, req pinpoint.EndpointRequest) store.EndpointWrite {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	return store.EndpointWrite{ID: id, Update: func(app *pinpoint.App, old *pinpoint.Endpoint, attrs map[string][]string) (*pinpoint.Endpoint, error) {
		return pinpoint.Merge(old, attrs, &req, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: "r", Excluded: app.Excluded})
	}}
}

func strp(s string) *string { return &s }

// A write is acknowledged only after the fsync of the log that follows its COMMIT.
func TestWriteWaitsForLogSync(t *testing.T) {
	s, app := openTestStore(t)
	entered, release := make(chan struct{}, 16), make(chan error)
	hook := func() error {
		entered <- struct{}{}
		return <-release
	}
	s.syncHook.Store(&hook)

	result := make(chan error, 1)
	go func() {
		_, err := s.WriteEndpoints(t.Context(), testAccount, app, []store.EndpointWrite{patch("e1", pinpoint.EndpointRequest{Address: strp("a1")})}, true)
		result <- err
	}()
	<-entered
	time.Sleep(20 * time.Millisecond) // give a premature acknowledgement the time to show
	select {
	case err := <-result:
		t.Fatalf("write returned (%v) before its log was fsynced", err)
	default:
	}
	release <- nil
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

// A failed fsync fails the writes waiting for it, and the store refuses writes from then on.
func TestFailedLogSyncRefusesWrites(t *testing.T) {
	s, app := openTestStore(t)
	hook := func() error { return errors.New("EIO") }
	s.syncHook.Store(&hook)
	w := []store.EndpointWrite{patch("e1", pinpoint.EndpointRequest{Address: strp("a1")})}
	if _, err := s.WriteEndpoints(t.Context(), testAccount, app, w, true); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("write during a failed fsync: got %v, want ErrUnavailable", err)
	}
	s.syncHook.Store(nil)
	if _, err := s.WriteEndpoints(t.Context(), testAccount, app, w, true); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("write after a failed fsync: got %v, want ErrUnavailable", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping succeeds after a failed fsync; /readyz would report the store ready")
	}
}

// Writes that arrive while the syncer is busy share one transaction, and a refused one among them
// leaves no trace while the others are stored: not in the database, nor in what the writer caches.
func TestWritesShareATransactionDuringAnFsync(t *testing.T) {
	s, app := openTestStore(t)
	var mu sync.Mutex
	var groups []int
	s.SetCommitObserver(func(writes int, _ time.Duration, _ error) {
		mu.Lock()
		groups = append(groups, writes)
		mu.Unlock()
	})
	entered, release := make(chan struct{}, 16), make(chan error)
	hook := func() error {
		entered <- struct{}{}
		return <-release
	}
	s.syncHook.Store(&hook)

	// write starts a call of ws (atomic) and returns once the writer has run it (in a transaction
	// it has not committed).
	write := func(ws ...store.EndpointWrite) chan error {
		ran := make(chan struct{})
		var once sync.Once
		w := &ws[len(ws)-1]
		update := w.Update
		w.Update = func(app *pinpoint.App, old *pinpoint.Endpoint, attrs map[string][]string) (*pinpoint.Endpoint, error) {
			defer once.Do(func() { close(ran) })
			return update(app, old, attrs)
		}
		result := make(chan error, 1)
		go func() {
			_, err := s.WriteEndpoints(t.Context(), testAccount, app, ws, true)
			result <- err
		}()
		<-ran
		return result
	}
	first := write(patch("e0", pinpoint.EndpointRequest{Address: strp("a0")}))
	<-entered // e0 is committed; its fsync is held
	refused := store.EndpointWrite{ID: "bad", Update: func(*pinpoint.App, *pinpoint.Endpoint, map[string][]string) (*pinpoint.Endpoint, error) {
		return nil, pinpoint.BadRequest("refused")
	}}
	var results []chan error
	for _, ws := range [][]store.EndpointWrite{
		{patch("e1", pinpoint.EndpointRequest{Address: strp("a1")})},
		{patch("e2", pinpoint.EndpointRequest{Address: strp("a2")})},
		// The refused call first writes e0, which its refusal must undo.
		{patch("e0", pinpoint.EndpointRequest{Attributes: map[string][]string{"undone": {"1"}}}), refused},
	} {
		results = append(results, write(ws...))
	}
	close(release) // every fsync from now on returns at once
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		err := <-r
		if refused := i == 2; refused != (err != nil) {
			t.Errorf("write %d: err = %v", i, err)
		}
	}
	for _, id := range []string{"e0", "e1", "e2"} {
		if _, err := s.GetEndpoint(t.Context(), testAccount, app, id); err != nil {
			t.Errorf("GetEndpoint(%s): %v", id, err)
		}
	}
	if _, err := s.GetEndpoint(t.Context(), testAccount, app, "bad"); !errors.Is(err, store.ErrEndpointNotFound) {
		t.Errorf("GetEndpoint(bad) = %v, want ErrEndpointNotFound", err)
	}
	// The syncer tells the observer after the callers, and counts a round done after both.
	for s.syncing.Load() != 0 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	// The observer may also have seen CreateApp's group (it is told after the caller).
	if len(groups) < 2 || !slices.Equal(groups[len(groups)-2:], []int{1, 3}) {
		t.Errorf("group sizes = %v, want them to end with [1 3]: e0 alone, then the three writes that arrived during its fsync", groups)
	}
	mu.Unlock()

	// The next write of e0 merges into e0 as committed, without the refused call's attribute.
	if _, err := s.WriteEndpoints(t.Context(), testAccount, app, []store.EndpointWrite{patch("e0", pinpoint.EndpointRequest{Attributes: map[string][]string{"kept": {"1"}}})}, true); err != nil {
		t.Fatal(err)
	}
	if e, err := s.GetEndpoint(t.Context(), testAccount, app, "e0"); err != nil || len(e.Attributes) != 1 || e.Attributes["kept"] == nil {
		t.Errorf("GetEndpoint(e0) after a later write = %v, %v; want only the attribute kept", e.Attributes, err)
	}
}
