package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runMain runs the command line with an empty environment and returns its exit code and output.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestKeysLifecycle(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "keys.db")
	code, out, errOut := runMain(t, "keys", "create", "--store", dsn, "--account", "111111111111", "--allow", "mobiletargeting:UpdateEndpoint, mobiletargeting:PutEvents")
	if code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, errOut)
	}
	var id string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "AWS_ACCESS_KEY_ID="); ok {
			id = v
		}
	}
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 {
		t.Fatalf("keys create printed key ID %q, want AKIA + 16 characters; output:\n%s", id, out)
	}
	code, out, _ = runMain(t, "keys", "list", "--store", dsn)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "111111111111") || !strings.Contains(out, "active") ||
		!strings.Contains(out, "mobiletargeting:PutEvents,mobiletargeting:UpdateEndpoint") {
		t.Fatalf("keys list: exit %d, output:\n%s", code, out)
	}
	if code, _, errOut := runMain(t, "keys", "revoke", "--store", dsn, id); code != 0 {
		t.Fatalf("keys revoke: exit %d: %s", code, errOut)
	}
	if _, out, _ := runMain(t, "keys", "list", "--store", dsn); !strings.Contains(out, "revoked") {
		t.Errorf("after revoke, keys list shows:\n%s", out)
	}
	if code, _, errOut := runMain(t, "keys", "revoke", "--store", dsn, "AKIANOSUCHKEY0000000"); code == 0 || !strings.Contains(errOut, "no key") {
		t.Errorf("revoking an unknown key: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runMain(t, "keys", "create", "--store", dsn, "--account", "12"); code == 0 {
		t.Errorf("keys create with a bad account succeeded")
	}
}

func TestDatabaseFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.db")
	if code, _, errOut := runMain(t, "migrate", "--store", "sqlite:"+path); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode %v, want 0600 (it holds secrets)", perm)
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errOut := runMain(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("got exit %d, stderr %q; want 2 and 'unknown command'", code, errOut)
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(1, 2)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	if ok, _ := l.allow("a", "Op"); !ok {
		t.Fatal("first request refused")
	}
	if ok, _ := l.allow("a", "Op"); !ok {
		t.Fatal("second request (burst 2) refused")
	}
	if ok, wait := l.allow("a", "Op"); ok || wait <= 0 {
		t.Errorf("third request: got ok=%v wait=%v, want refused with a positive wait", ok, wait)
	}
	if ok, _ := l.allow("b", "Op"); !ok {
		t.Error("another account shares the bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.allow("a", "Op"); !ok {
		t.Error("a second later the bucket has not refilled")
	}
}

// TestServeRefusesSmallBodyBudget: a budget that cannot hold one body of the largest size would
// refuse every such body, so serve does not start with it.
func TestServeRefusesSmallBodyBudget(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "budget.db")
	code, _, errOut := runMain(t, "serve", "--addr", "127.0.0.1:0", "--store", dsn, "--body-budget-mib", "6")
	if code == 0 || !strings.Contains(errOut, "body budget") {
		t.Errorf("serve --body-budget-mib 6: exit %d, stderr %q; want a refusal naming the body budget", code, errOut)
	}
}
