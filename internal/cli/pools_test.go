package cli

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pinpointd/internal/pinpoint"
)

func TestPoolsLifecycle(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "pools.db")
	st, err := OpenStore(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	const app = "0123456789abcdef0123456789abcdef"
	if err := st.CreateApp(context.Background(), pinpoint.App{ID: app, Account: defaultAccount, Name: "a", CreationDate: "2026-01-01T00:00:00.000Z"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := runMain(t, "pools", "create", "--store", dsn, "--app", app, "--ttl", "15m")
	if code != 0 {
		t.Fatalf("pools create: exit %d: %s", code, errOut)
	}
	id := strings.TrimSpace(out)
	if !regexp.MustCompile(`^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("pools create printed %q, want us-east-1:uuid", out)
	}
	code, out, _ = runMain(t, "pools", "list", "--store", dsn)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, app) || !strings.Contains(out, "15m0s") ||
		!strings.Contains(out, "mobiletargeting:PutEvents,mobiletargeting:UpdateEndpoint") {
		t.Fatalf("pools list: exit %d, output:\n%s", code, out)
	}
	if code, _, errOut := runMain(t, "pools", "delete", "--store", dsn, id); code != 0 {
		t.Fatalf("pools delete: exit %d: %s", code, errOut)
	}
	if _, out, _ := runMain(t, "pools", "list", "--store", dsn); strings.Contains(out, id) {
		t.Errorf("after delete, pools list shows:\n%s", out)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"delete unknown", []string{"delete", "--store", dsn, id}, "no pool"},
		{"unknown app", []string{"create", "--store", dsn, "--app", "ffffffffffffffffffffffffffffffff"}, "has no app"},
		{"no app", []string{"create", "--store", dsn}, "--app is required"},
		{"ttl too long", []string{"create", "--store", dsn, "--app", app, "--ttl", "13h"}, "--ttl"},
		{"no actions", []string{"create", "--store", dsn, "--app", app, "--allow", " , "}, "--allow"},
	} {
		if code, _, errOut := runMain(t, append([]string{"pools"}, c.args...)...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want failure naming %q", c.name, code, errOut, c.want)
		}
	}
}
