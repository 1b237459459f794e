package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"
)

// These tests need PostgreSQL: several servers on one database, and a database that goes away.
// Their names carry "Postgres" so that .ci/run notices if they were skipped.

func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PINPOINTD_TEST_POSTGRES is not set; skipping a PostgreSQL test")
	}
	return dsn
}

func endpointIn(app, id string, req *types.EndpointRequest) *pinpoint.UpdateEndpointInput {
	return &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id), EndpointRequest: req}
}

// TestPostgresMultiProcess runs two servers on one database with 32 concurrent writers spread over
// both: the cross-row rules hold, and every write one server acknowledged is read back from the other.
func TestPostgresMultiProcess(t *testing.T) {
	dsn := postgresSchema(t, postgresDSN(t))
	a := start(t, dsn, nil)
	b := start(t, dsn, nil)
	servers := []*harness{a, b}
	ctx := context.Background()
	app := a.createApp("shared")
	const writers = 32

	t.Run("SameAddressOneActive", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				h := servers[i%2]
				_, err := h.client.UpdateEndpoint(ctx, endpointIn(app, fmt.Sprintf("addr-%02d", i), &types.EndpointRequest{
					ChannelType: types.ChannelTypeEmail, Address: aws.String("same@example.com"),
				}))
				if err != nil {
					t.Errorf("UpdateEndpoint %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		active := 0
		for i := range writers {
			out, err := servers[(i+1)%2].client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(fmt.Sprintf("addr-%02d", i))})
			if err != nil {
				t.Fatalf("GetEndpoint %d: %v", i, err)
			}
			if aws.ToString(out.EndpointResponse.EndpointStatus) == "ACTIVE" {
				active++
			}
		}
		if active != 1 {
			t.Errorf("got %d ACTIVE endpoints with one address, want 1", active)
		}
	})

	t.Run("UserLimit", func(t *testing.T) {
		var ok, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				_, err := servers[i%2].client.UpdateEndpoint(ctx, endpointIn(app, fmt.Sprintf("user-ep-%02d", i), &types.EndpointRequest{
					ChannelType: types.ChannelTypeEmail, Address: aws.String(fmt.Sprintf("u%d@example.com", i)),
					User: &types.EndpointUser{UserId: aws.String("crowded")},
				}))
				var bad *types.BadRequestException
				switch {
				case err == nil:
					ok.Add(1)
				case errors.As(err, &bad):
					refused.Add(1)
				default:
					t.Errorf("UpdateEndpoint %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		out, err := b.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("crowded")})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out.EndpointsResponse.Item); n != 15 || ok.Load() != 15 || refused.Load() != writers-15 {
			t.Errorf("user has %d endpoints, %d writes accepted, %d refused; want 15, 15, %d", n, ok.Load(), refused.Load(), writers-15)
		}
	})

	t.Run("NoLostUpdateAndReadYourWrites", func(t *testing.T) {
		if _, err := a.client.UpdateEndpoint(ctx, endpointIn(app, "hot", &types.EndpointRequest{ChannelType: types.ChannelTypeGcm})); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				key := fmt.Sprintf("k%02d", i)
				w, r := servers[i%2], servers[(i+1)%2]
				if _, err := w.client.UpdateEndpoint(ctx, endpointIn(app, "hot", &types.EndpointRequest{Attributes: map[string][]string{key: {strconv.Itoa(i)}}})); err != nil {
					t.Errorf("UpdateEndpoint %s: %v", key, err)
					return
				}
				// Acknowledged on one server means visible on the other, at once.
				out, err := r.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("hot")})
				if err != nil {
					t.Errorf("GetEndpoint after %s: %v", key, err)
					return
				}
				if got := out.EndpointResponse.Attributes[key]; len(got) != 1 || got[0] != strconv.Itoa(i) {
					t.Errorf("other server shows %s = %v right after it was acknowledged, want [%d]", key, got, i)
				}
			})
		}
		wg.Wait()
		out, err := b.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("hot")})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out.EndpointResponse.Attributes); n != writers {
			t.Errorf("endpoint has %d attribute keys after %d concurrent writers, want %d", n, writers, writers)
		}
	})
}

// proxy is a TCP proxy to PostgreSQL that a test can take down (every connection cut, new ones
// refused) and bring back on the same address.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy back up on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// TestPostgresOutage takes the database away during a write load: pinpointd answers only 2xx or a
// retryable 500, /readyz says 503, and once the database is back it serves again without a
// restart and every acknowledged write is there.
func TestPostgresOutage(t *testing.T) {
	dsn := postgresSchema(t, postgresDSN(t))
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, u.Host)
	u.Host = px.addr
	appName := "pinpointd_outage_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	q := u.Query()
	q.Set("application_name", appName)
	u.RawQuery = q.Encode()
	h := start(t, u.String(), nil)
	ctx := context.Background()
	app := h.createApp("outage")

	var stop atomic.Bool
	var acked sync.Map // endpoint ID -> last acknowledged seq
	var wrong atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for seq := 1; !stop.Load(); seq++ {
				id := fmt.Sprintf("w%d-%d", w, seq%4)
				_, err := h.client.UpdateEndpoint(ctx, endpointIn(app, id, &types.EndpointRequest{
					ChannelType: types.ChannelTypeGcm, Attributes: map[string][]string{"seq": {strconv.Itoa(seq)}},
				}))
				if err == nil {
					acked.Store(id, seq)
					continue
				}
				failures.Add(1)
				var ise *types.InternalServerErrorException
				if !errors.As(err, &ise) {
					wrong.Add(1)
					t.Errorf("during the outage: got %v, want success or InternalServerErrorException", err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	px.down()
	// While the database is away, requests fail fast and the server says it is not ready.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(h.inst.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered 503 while the database was down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	px.up()
	// It recovers without a restart.
	deadline = time.Now().Add(30 * time.Second)
	for {
		_, err := h.client.UpdateEndpoint(ctx, endpointIn(app, "after", &types.EndpointRequest{ChannelType: types.ChannelTypeGcm}))
		if err == nil {
			break
		}
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InternalServerErrorException" {
			t.Fatalf("after the outage: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not recover within 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if failures.Load() == 0 {
		t.Errorf("no request failed while the database was down; the outage did not happen")
	}

	n := 0
	acked.Range(func(k, v any) bool {
		n++
		out, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(k.(string))})
		if err != nil {
			t.Errorf("acknowledged endpoint %s: %v", k, err)
			return true
		}
		got, _ := strconv.Atoi(out.EndpointResponse.Attributes["seq"][0])
		if got < v.(int) {
			t.Errorf("endpoint %s: seq %d, want at least the acknowledged %d", k, got, v)
		}
		return true
	})
	if n == 0 {
		t.Fatal("no write was acknowledged")
	}
	// Connections killed from the database side are survived too.
	conn, err := pgx.Connect(ctx, postgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", appName).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("pg_terminate_backend killed %d connections of the server: %v", killed, err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		_, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("after")})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after pg_terminate_backend: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
