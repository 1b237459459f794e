package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"pinpointd/internal/sigv4"
)

// TestSegmentsCommand drives `pinpointd segments size|endpoints` against a running server.
func TestSegmentsCommand(t *testing.T) {
	const keyID, secret = "AKIASEGMENTSCLI00001", "segments-cli-secret-000000000000000000000"
	inst, err := Start(t.Context(), Options{Addr: "127.0.0.1:0", Store: "sqlite:" + filepath.Join(t.TempDir(), "s.db"), Region: "us-east-1",
		AccessKeyID: keyID, SecretKey: secret, Account: defaultAccount})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(context.Background()) })
	signer := &sigv4.Signer{AccessKeyID: keyID, Secret: secret, Region: "us-east-1", Service: "mobiletargeting"}
	call := func(method, path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, inst.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if err := signer.Sign(req, []byte(body)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
		}
		return out
	}
	app := call("POST", "/v1/apps", `{"Name":"cli"}`)["Id"].(string)
	call("PUT", "/v1/apps/"+app+"/endpoints", `{"Item":[
		{"Id":"a","ChannelType":"EMAIL","Address":"a@example.com","User":{"UserId":"u1"}},
		{"Id":"b","ChannelType":"EMAIL","Address":"b@example.com","User":{"UserId":"u1"}},
		{"Id":"c","ChannelType":"EMAIL","Address":"c@example.com"}]}`)
	seg := call("POST", "/v1/apps/"+app+"/segments", `{"Name":"everyone"}`)["Id"].(string)

	env := map[string]string{"AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1"}
	runEnv := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := runEnv("segments", "size", "--endpoint-url", inst.URL(), "--app", app, "--segment", seg)
	if code != 0 {
		t.Fatalf("segments size: exit %d: %s", code, errOut)
	}
	var size struct {
		SegmentId                 string
		Version, Endpoints, Users int
	}
	if err := json.Unmarshal([]byte(out), &size); err != nil || size.SegmentId != seg || size.Version != 1 || size.Endpoints != 3 || size.Users != 1 {
		t.Errorf("segments size: got %q (%v), want 3 endpoints and 1 user of version 1", out, err)
	}
	code, out, errOut = runEnv("segments", "endpoints", "--endpoint-url", inst.URL(), "--app", app, "--segment", seg, "--page-size", "2", "--version", "1")
	if code != 0 {
		t.Fatalf("segments endpoints: exit %d: %s", code, errOut)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct{ Id string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("segments endpoints: line %q: %v", line, err)
		}
		ids = append(ids, e.Id)
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("segments endpoints (pages of 2): got %v, want [a b c]", ids)
	}
	// Failures name the server's error.
	code, _, errOut = runEnv("segments", "size", "--endpoint-url", inst.URL(), "--app", app, "--segment", strings.Repeat("0", 32))
	if code == 0 || !strings.Contains(errOut, "NotFoundException") {
		t.Errorf("segments size of a missing segment: exit %d, stderr %q; want a failure naming NotFoundException", code, errOut)
	}
	if code, _, errOut := runEnv("segments", "size", "--app", app); code == 0 || !strings.Contains(errOut, "--segment") {
		t.Errorf("segments size without --segment: exit %d, stderr %q", code, errOut)
	}
	env = nil
	if code, _, errOut := runEnv("segments", "size", "--app", app, "--segment", seg); code == 0 || !strings.Contains(errOut, "AWS_ACCESS_KEY_ID") {
		t.Errorf("segments size without credentials: exit %d, stderr %q", code, errOut)
	}
}
