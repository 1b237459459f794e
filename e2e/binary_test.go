package e2e

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestBinary builds the real pinpointd, serves with it on every backend, stops it with SIGTERM and
// reads the data back through a second process on the same store.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "pinpointd")
	build := exec.Command("go", "build", "-o", bin, "./cmd/pinpointd")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/pinpointd: %v\n%s", err, out)
	}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			if b.name == "sqlite" {
				dsn = "sqlite:" + filepath.Join(t.TempDir(), "db")
			}
			p := startBinary(t, bin, dsn)
			c := p.client()
			created, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("bin")}})
			if err != nil {
				t.Fatalf("CreateApp: %v", err)
			}
			app := aws.ToString(created.ApplicationResponse.Id)
			if _, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("dev/1"),
				EndpointRequest: &types.EndpointRequest{Address: aws.String("tok"), ChannelType: types.ChannelTypeGcm, Attributes: map[string][]string{"a": {"b"}}}}); err != nil {
				t.Fatalf("UpdateEndpoint: %v", err)
			}
			first, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("dev/1")})
			if err != nil {
				t.Fatalf("GetEndpoint: %v", err)
			}
			if got := aws.ToString(first.EndpointResponse.Address); got != "tok" {
				t.Errorf("Address: got %q, want %q", got, "tok")
			}
			if got := p.get(t, "/readyz"); got != http.StatusOK {
				t.Errorf("/readyz: got %v, want %v", got, http.StatusOK)
			}
			if code := p.stop(t); code != 0 {
				t.Fatalf("exit code after SIGTERM: got %v, want %v\n%s", code, 0, p.output())
			}

			p = startBinary(t, bin, dsn)
			again, err := p.client().GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("dev/1")})
			if err != nil {
				t.Fatalf("GetEndpoint after restarting the process: %v", err)
			}
			sameEndpoint(t, "endpoint read by the second process", again.EndpointResponse, first.EndpointResponse)
			if code := p.stop(t); code != 0 {
				t.Errorf("second exit code after SIGTERM: got %v, want %v\n%s", code, 0, p.output())
			}
		})
	}
}

// proc is a running pinpointd process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	out  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (p *proc) output() string {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return p.out.b.String()
}

// startBinary starts bin serving dsn on a free port and waits until /healthz answers.
func startBinary(t *testing.T, bin, dsn string) *proc {
	t.Helper()
	return startBinaryWith(t, bin, dsn, nil, nil)
}

// startBinaryWith is startBinary with more serve arguments and environment variables.
func startBinaryWith(t *testing.T, bin, dsn string, args, env []string) *proc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &proc{url: "http://" + addr, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--store", dsn}, args...)...)
	p.cmd.Env = append(append(os.Environ(), "PINPOINTD_ACCESS_KEY_ID="+testKeyID, "PINPOINTD_SECRET_ACCESS_KEY="+testSecret), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("pinpointd exited before serving: %v\n%s", p.err, p.output())
		default:
		}
		if resp, err := http.Get(p.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pinpointd did not answer /healthz within 30 s\n%s", p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *proc) client() *pinpoint.Client {
	return pinpoint.New(pinpoint.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(p.url),
		Credentials:  credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

func (p *proc) get(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Get(p.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// stop sends SIGTERM and returns the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		t.Fatalf("pinpointd did not exit within 60 s of SIGTERM\n%s", p.output())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("wait: %v", p.err)
	}
	return 0
}
