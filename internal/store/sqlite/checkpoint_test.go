package sqlite

import (
	"fmt"
	"os"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// With automatic checkpoints off, the log would grow without bound under a steady load (passive
// checkpoints never catch up with a writer that never pauses). When the checkpointer reports the
// log too long, the writer checkpoints itself and the next write starts the log again from its
// beginning, so the file stops growing.
func TestWriterRestartsALongLog(t *testing.T) {
	s, app := openTestStore(t)
	s.stopCheckpointer() // the writer's checkpoint alone must bound the log
	writeMany := func(prefix string) int64 {
		t.Helper()
		for i := range 10 {
			var w []store.EndpointWrite
			for j := range 100 {
				id := fmt.Sprintf("%s%d-%d", prefix, i, j)
				w = append(w, patch(id, pinpoint.EndpointRequest{Address: strp(id)}))
			}
			if _, err := s.WriteEndpoints(t.Context(), testAccount, app, w, true); err != nil {
				t.Fatal(err)
			}
		}
		fi, err := os.Stat(s.wal.path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	first := writeMany("a")
	s.walFull.Store(true)
	for i := range 2 { // the writer may already wait for the first one when walFull is set
		if _, err := s.WriteEndpoints(t.Context(), testAccount, app, []store.EndpointWrite{patch(fmt.Sprintf("x%d", i), pinpoint.EndpointRequest{})}, true); err != nil {
			t.Fatal(err)
		}
	}
	second := writeMany("b")
	if second > first*3/2 {
		t.Errorf("log grew from %d to %d bytes over as many writes again; want it restarted", first, second)
	}
}
