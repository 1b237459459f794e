// Package e2e starts the real server and drives it over HTTP with aws-sdk-go-v2, on every backend.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/jackc/pgx/v5"

	"pinpointd/internal/cli"
	"pinpointd/internal/sigv4"
)

// Root credentials of the default account in every test server.
const (
	testKeyID   = "AKIAPINPOINTDTEST001"
	testSecret  = "pinpointd-test-secret-key-0000000000000000"
	testAccount = "000000000000"
	testRegion  = "us-east-1"
)

// backend is a store the suite runs against: dsn returns a fresh, empty database for one test.
type backend struct {
	name string
	dsn  func(t *testing.T) string
}

func backends(t *testing.T) []backend {
	t.Helper()
	bs := []backend{{name: "sqlite", dsn: func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "pinpointd.db")
	}}}
	if dsn := os.Getenv("PINPOINTD_TEST_POSTGRES"); dsn != "" {
		bs = append(bs, backend{name: "postgres", dsn: func(t *testing.T) string { return postgresSchema(t, dsn) }})
	}
	return bs
}

// postgresSchema creates a schema for one test, dropped when the test ends, and returns a DSN
// whose search_path points at it.
func postgresSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "pinpointd_e2e_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("connect to drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	sep := "?"
	if bytes.ContainsRune([]byte(dsn), '?') {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// harness is one running server and a client for it.
type harness struct {
	t      *testing.T
	dsn    string
	mutate func(*cli.Options) // the options start was given; restart reuses them
	inst   *cli.Instance
	client *pinpoint.Client

	mu         sync.Mutex
	transports []*http.Transport // of every client made by clientFor, closed by stop
}

// run runs fn once per backend, each with a fresh server on a fresh database.
func run(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	runWith(t, nil, fn)
}

// runWith is run with server options adjusted by mutate (nil: the defaults).
func runWith(t *testing.T, mutate func(*cli.Options), fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			h := start(t, b.dsn(t), mutate)
			fn(t, h)
		})
	}
}

// start starts a server on dsn; mutate may adjust its options.
func start(t *testing.T, dsn string, mutate func(*cli.Options)) *harness {
	t.Helper()
	o := cli.Options{
		Addr:        "127.0.0.1:0",
		Store:       dsn,
		Region:      testRegion,
		AccessKeyID: testKeyID,
		SecretKey:   testSecret,
		Account:     testAccount,
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if testing.Verbose() && os.Getenv("PINPOINTD_TEST_LOG") != "" {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if mutate != nil {
		mutate(&o)
	}
	inst, err := cli.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	h := &harness{t: t, dsn: dsn, mutate: mutate, inst: inst}
	h.client = h.clientFor(testKeyID, testSecret)
	t.Cleanup(func() { h.stop() })
	return h
}

// stop shuts the server down; calling it twice is harmless.
func (h *harness) stop() {
	if h.inst == nil {
		return
	}
	// A connection the SDK dialed but never sent a request on holds http.Server.Shutdown for
	// 5 s (net/http treats it as active until then): close such connections first.
	h.mu.Lock()
	for _, tr := range h.transports {
		tr.CloseIdleConnections()
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.inst.Close(ctx); err != nil {
		h.t.Errorf("stop server: %v", err)
	}
	h.inst = nil
}

// restart stops the server and starts a new one on the same database.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	n := start(h.t, h.dsn, h.mutate)
	h.inst, h.client = n.inst, n.client
	h.mu.Lock()
	h.transports = append(h.transports, n.transports...)
	h.mu.Unlock()
	n.inst = nil // h owns it now
}

// clientFor returns an SDK client signing with the given key.
func (h *harness) clientFor(keyID, secret string) *pinpoint.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	h.mu.Lock()
	h.transports = append(h.transports, tr)
	h.mu.Unlock()
	return pinpoint.New(pinpoint.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(h.inst.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Transport: tr},
	})
}

// raw sends a request signed with the root key and returns the response and its body.
func (h *harness) raw(method, path string, body []byte) (*http.Response, []byte) {
	h.t.Helper()
	return h.send(&sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting"}, method, path, body)
}

// send sends a request signed by s and returns the response and its body.
func (h *harness) send(s *sigv4.Signer, method, path string, body []byte) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.inst.URL()+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := s.Sign(req, body); err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, b
}

// createApp creates an application and returns its ID.
func (h *harness) createApp(name string) string {
	h.t.Helper()
	out, err := h.client.CreateApp(context.Background(), &pinpoint.CreateAppInput{
		CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String(name)},
	})
	if err != nil {
		h.t.Fatalf("CreateApp: %v", err)
	}
	return aws.ToString(out.ApplicationResponse.Id)
}

// wantAPIError asserts err is the typed SDK error T and returns it.
func wantAPIError[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if err == nil {
		t.Fatalf("got no error, want %T", target)
	}
	if !errors.As(err, &target) {
		t.Fatalf("got error %T (%v), want %T", err, err, target)
	}
	return target
}
