package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"pinpointd/internal/sigv4"
)

// benchOptions are the flags of `pinpointd bench`.
type benchOptions struct {
	ops         []string
	duration    time.Duration
	requests    int64
	rate        float64
	concurrency int
	target      string
	store       string
	endpoints   int
	batchSize   int
	payload     int
	floor       bool
	json        bool
	keyID       string
	secret      string
	region      string
	app         string
	durability  bool
	cpuProfile  string
	serveArgs   []string // more arguments of the server bench starts
	noPopulate  bool
}

// benchResult is one operation's measurement; with --json it is printed as one JSON object.
type benchResult struct {
	Op              string         `json:"op"`
	Requests        int64          `json:"requests"`
	Seconds         float64        `json:"seconds"`
	RequestsPerSec  float64        `json:"requests_per_sec"`
	EndpointsPerSec float64        `json:"endpoints_per_sec"`
	P50ms           float64        `json:"p50_ms"`
	P90ms           float64        `json:"p90_ms"`
	P99ms           float64        `json:"p99_ms"`
	MaxMs           float64        `json:"max_ms"`
	Errors          int64          `json:"errors"`
	ErrorsByCode    map[string]int `json:"errors_by_code,omitempty"`
	ServerRSSMB     float64        `json:"server_rss_mb"`
	// ServerCPUus is the CPU time (user and system) the server bench started spent during the
	// operation, per request: steadier than the rate on a machine shared with other work.
	ServerCPUus float64 `json:"server_cpu_us_per_req,omitempty"`
	// ServerCPUEndpointus is ServerCPUus per endpoint, for the job operations (a job is one request).
	ServerCPUEndpointus float64 `json:"server_cpu_us_per_endpoint,omitempty"`
	Concurrency         int     `json:"concurrency"`
	FloorRequestsSec    float64 `json:"floor_requests_per_sec,omitempty"`
	FloorP99ms          float64 `json:"floor_p99_ms,omitempty"`
	Ratio               float64 `json:"ratio,omitempty"`
}

// Main runs `pinpointd bench` with args (the flags after "bench"); env looks up environment
// variables. It starts a server from this executable unless --target names one.
func Main(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOptions
	ops := fs.String("op", "update-endpoint", "comma-separated: update-endpoint, get-endpoint, update-endpoints-batch, put-events, mixed, all; or segment-size; or import, export (jobs over --endpoints endpoints)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each operation runs")
	fs.Int64Var(&o.requests, "requests", 0, "stop after this many requests per operation (0: run for --duration)")
	fs.IntVar(&o.concurrency, "concurrency", 64, "concurrent connections")
	fs.Float64Var(&o.rate, "rate", 0, "total requests per second to send, paced evenly over the connections (0: as fast as the server answers)")
	fs.StringVar(&o.target, "target", "", "base URL of a running server; empty: start one on --store")
	fs.StringVar(&o.store, "store", "", "store of the server bench starts (default: a temporary SQLite file)")
	fs.IntVar(&o.endpoints, "endpoints", 10000, "distinct endpoint IDs (pre-populated for reads)")
	fs.IntVar(&o.batchSize, "batch-size", 100, "items per UpdateEndpointsBatch and events per PutEvents")
	fs.IntVar(&o.payload, "payload-bytes", 600, "approximate size of one endpoint's JSON")
	fs.BoolVar(&o.floor, "floor", false, "also measure a no-op handler with the same client and print the ratio")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per operation")
	fs.StringVar(&o.keyID, "access-key-id", envOr(env("AWS_ACCESS_KEY_ID"), "AKIAPINPOINTDBENCH001"), "access key (env AWS_ACCESS_KEY_ID)")
	fs.StringVar(&o.secret, "secret-access-key", envOr(env("AWS_SECRET_ACCESS_KEY"), "pinpointd-bench-secret-0000000000000000000"), "secret (env AWS_SECRET_ACCESS_KEY)")
	fs.StringVar(&o.region, "region", "us-east-1", "signing region")
	fs.StringVar(&o.app, "app", "", "application ID to use (default: create one)")
	fs.BoolVar(&o.durability, "verify-durability", false, "kill -9 the server during a write load, restart it, and check every acknowledged write")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the client (not the server) to this file")
	fs.BoolVar(&o.noPopulate, "no-populate", false, "segment-size: --app already holds the --endpoints endpoints of an earlier run; do not write them again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *ops == "all" {
		*ops = "update-endpoint,get-endpoint,update-endpoints-batch,put-events,mixed"
	}
	o.ops = strings.Split(*ops, ",")
	if jobOps[o.ops[0]] {
		for _, op := range o.ops {
			if !jobOps[op] {
				return fmt.Errorf("bench: --op %q cannot be measured with import or export", op)
			}
		}
		return jobsBench(ctx, o, stdout)
	}
	for _, op := range o.ops {
		if !slices.Contains([]string{"update-endpoint", "get-endpoint", "update-endpoints-batch", "put-events", "mixed", "segment-size"}, op) {
			return fmt.Errorf("bench: unknown --op %q", op)
		}
	}
	if o.concurrency < 1 || o.endpoints < 1 || o.batchSize < 1 || o.batchSize > 100 {
		return errors.New("bench: --concurrency and --endpoints must be positive, --batch-size 1..100")
	}
	if o.durability {
		return verifyDurability(ctx, o, stdout)
	}

	var srv *childServer
	if o.target == "" {
		var err error
		if srv, err = startChild(ctx, o, ""); err != nil {
			return err
		}
		defer srv.stop()
		o.target = srv.url
	}
	c, err := newBenchClient(o)
	if err != nil {
		return err
	}
	defer c.wire.close()
	c.serverCPU = srv.cpuTime
	if o.app == "" {
		app, err := c.createApp()
		if err != nil {
			return fmt.Errorf("bench: create app: %w", err)
		}
		o.app = app
	}
	c.app = o.app
	for _, op := range o.ops {
		if op == "get-endpoint" || op == "mixed" {
			if err := c.populate(ctx); err != nil {
				return fmt.Errorf("bench: populate: %w", err)
			}
			break
		}
	}
	for _, op := range o.ops {
		var res benchResult
		if op == "segment-size" {
			if res, err = c.runSegmentSize(ctx, stderr); err != nil {
				return fmt.Errorf("bench: segment-size: %w", err)
			}
		} else {
			before := srv.cpuTime()
			res = c.run(ctx, op)
			if used := srv.cpuTime() - before; used > 0 && res.Requests > 0 {
				res.ServerCPUus = float64(used.Microseconds()) / float64(res.Requests)
			}
		}
		if srv != nil {
			res.ServerRSSMB = srv.peakRSSMB()
		}
		if o.floor {
			fl := floorRun(ctx, o, op)
			res.FloorRequestsSec = fl.RequestsPerSec
			res.FloorP99ms = fl.P99ms
			if fl.RequestsPerSec > 0 {
				res.Ratio = res.RequestsPerSec / fl.RequestsPerSec
			}
		}
		printResult(stdout, o.json, res)
	}
	return nil
}

func printResult(w io.Writer, asJSON bool, r benchResult) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	if jobOps[r.Op] {
		fmt.Fprintf(w, "%-24s %10.0f endpoints/s  %.1f s  server RSS %.0f MB  server CPU %.1f µs/endpoint\n",
			r.Op, r.EndpointsPerSec, r.Seconds, r.ServerRSSMB, r.ServerCPUEndpointus)
		return
	}
	fmt.Fprintf(w, "%-24s %9.0f req/s %10.0f endpoints/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d",
		r.Op, r.RequestsPerSec, r.EndpointsPerSec, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, r.Errors)
	if r.ServerRSSMB > 0 {
		fmt.Fprintf(w, "  server RSS %.0f MB", r.ServerRSSMB)
	}
	if r.ServerCPUus > 0 {
		fmt.Fprintf(w, "  server CPU %.0f µs/req", r.ServerCPUus)
	}
	if r.FloorRequestsSec > 0 {
		fmt.Fprintf(w, "  floor %.0f req/s (p99 %.2f ms)  ratio %.2f", r.FloorRequestsSec, r.FloorP99ms, r.Ratio)
	}
	if len(r.ErrorsByCode) > 0 {
		fmt.Fprintf(w, "  %v", r.ErrorsByCode)
	}
	fmt.Fprintln(w)
}

// benchClient sends signed requests.
type benchClient struct {
	o      benchOptions
	app    string
	wire   *wire
	signer *sigv4.Signer
	bodies [][]byte // endpoint bodies, cycled
	// serverCPU is the CPU time the server bench started has used so far (0 with --target).
	serverCPU func() time.Duration
}

func newBenchClient(o benchOptions) (*benchClient, error) {
	w, err := newWire(o.target, 30*time.Second)
	if err != nil {
		return nil, err
	}
	c := &benchClient{
		o:      o,
		wire:   w,
		signer: &sigv4.Signer{AccessKeyID: o.keyID, Secret: o.secret, Region: o.region, Service: "mobiletargeting"},
	}
	for i := range 64 {
		c.bodies = append(c.bodies, endpointBody(i, o.payload))
	}
	return c, nil
}

// endpointBody is a realistic endpoint of about size bytes: attributes, demographic, location,
// metrics and a user.
func endpointBody(i, size int) []byte {
	m := map[string]any{
		"ChannelType": "GCM",
		"Address":     "fcm-token-########-" + strings.Repeat("x", 40),
		"Attributes":  map[string][]string{"interests": {"music", "travel", "technology"}, "plan": {"premium"}},
		"Demographic": map[string]string{"AppVersion": "4.2.1", "Locale": "en_US", "Make": "Google", "Model": "Pixel 8", "Platform": "android", "PlatformVersion": "15", "Timezone": "America/Los_Angeles"},
		"Location":    map[string]any{"City": "Seattle", "Country": "US", "Latitude": 47.61, "Longitude": -122.33, "PostalCode": "98121", "Region": "WA"},
		"Metrics":     map[string]float64{"sessions": float64(i), "purchases": 3},
		"User":        map[string]any{"UserId": "user-########", "UserAttributes": map[string][]string{"tier": {"gold"}}},
		"OptOut":      "NONE",
	}
	b, _ := json.Marshal(m)
	if pad := size - len(b) - 20; pad > 0 {
		m["Attributes"].(map[string][]string)["pad"] = []string{strings.Repeat("p", min(pad, 100))}
		b, _ = json.Marshal(m)
	}
	return b
}

// body returns endpoint i's body: one of the prepared variants with i's own address and user, so
// that endpoints do not share addresses or users (each would trigger cross-row rules on every write).
func (c *benchClient) body(i int) []byte {
	return bytes.ReplaceAll(c.bodies[i%len(c.bodies)], []byte("########"), fmt.Appendf(nil, "%08d", i))
}

// do sends one signed request and returns the status (0 on transport error) and the error code.
func (c *benchClient) do(method, path string, body []byte) (int, string) {
	resp, err := c.send(method, path, body)
	if err != nil {
		return 0, "transport"
	}
	if resp.status >= 300 {
		code := resp.errorType
		if code == "" {
			code = strconv.Itoa(resp.status)
		}
		return resp.status, code
	}
	return resp.status, ""
}

// send signs and sends one request (with a JSON body when body is not nil).
func (c *benchClient) send(method, path string, body []byte) (response, error) {
	contentType := ""
	if body != nil {
		contentType = "application/json"
	}
	date, auth, err := c.signer.Headers(method, c.wire.host, path, "", contentType, body)
	if err != nil {
		return response{}, err
	}
	headers := []string{"X-Amz-Date", date, "Authorization", auth}
	if contentType != "" {
		headers = append(headers, "Content-Type", contentType)
	}
	return c.wire.do(method, path, headers, body)
}

func (c *benchClient) createApp() (string, error) {
	resp, err := c.send("POST", "/v1/apps", []byte(`{"Name":"bench"}`))
	if err != nil {
		return "", err
	}
	var out struct{ Id, Message string }
	json.Unmarshal(resp.body, &out)
	if resp.status != http.StatusCreated {
		return "", fmt.Errorf("status %d: %s", resp.status, out.Message)
	}
	return out.Id, nil
}

// populate writes every endpoint once, in batches, so reads find them.
func (c *benchClient) populate(ctx context.Context) error {
	return c.populateWith(ctx, c.batchBody)
}

// populateWith writes endpoints 0 to --endpoints-1 in batches of 100 made by batch.
func (c *benchClient) populateWith(ctx context.Context, batch func(start, n int) []byte) error {
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range min(c.o.concurrency, 16) {
		wg.Go(func() {
			for {
				start := int(next.Add(100) - 100)
				if start >= c.o.endpoints || ctx.Err() != nil {
					return
				}
				body := batch(start, min(100, c.o.endpoints-start))
				if st, code := c.do("PUT", "/v1/apps/"+c.app+"/endpoints", body); st != http.StatusAccepted {
					firstErr.CompareAndSwap(nil, fmt.Errorf("batch at %d: %d %s", start, st, code))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	return nil
}

func endpointID(i int) string { return fmt.Sprintf("bench-endpoint-%08d", i) }

func (c *benchClient) batchBody(start, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Item":[`)
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		ep := c.body(start + k)
		b.WriteString(`{"Id":"` + endpointID(start+k) + `",`)
		b.Write(ep[1:])
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func (c *benchClient) eventsBody(start, n int, seq uint64) []byte {
	var b bytes.Buffer
	ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	b.WriteString(`{"BatchItem":{"` + endpointID(start) + `":{"Endpoint":`)
	b.Write(c.body(start))
	b.WriteString(`,"Events":{`)
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"ev-%d-%d":{"EventType":"_session.start","Timestamp":"%s","Attributes":{"screen":"home"},"Session":{"Id":"s-%d","StartTimestamp":"%s"}}`, seq, k, ts, seq, ts)
	}
	b.WriteString(`}}}}`)
	return b.Bytes()
}

// run drives one operation against base for the configured duration or request count.
func (c *benchClient) run(ctx context.Context, op string) benchResult {
	ctx, cancel := context.WithTimeout(ctx, c.o.duration)
	defer cancel()
	var sent atomic.Int64
	var seq atomic.Uint64
	type workerStats struct {
		lat    []time.Duration
		errs   map[string]int
		nErr   int64
		nItems int64
	}
	stats := make([]workerStats, c.o.concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c.o.concurrency {
		wg.Go(func() {
			st := &stats[w]
			st.errs = map[string]int{}
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var interval time.Duration
			next := time.Now()
			if c.o.rate > 0 {
				interval = time.Duration(float64(c.o.concurrency) / c.o.rate * float64(time.Second))
				next = next.Add(time.Duration(rng.Int64N(int64(interval) + 1))) // spread the workers
			}
			for ctx.Err() == nil {
				var sched time.Time // with --rate, latency counts from when the request was due
				if interval > 0 {
					sched = next
					if d := time.Until(next); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
					next = next.Add(interval)
				}
				if c.o.requests > 0 && sent.Add(1) > c.o.requests {
					return
				}
				i := rng.IntN(c.o.endpoints)
				method, path, body, items := "", "", []byte(nil), int64(1)
				kind := op
				if op == "mixed" { // 50% reads, 40% updates, 10% events
					switch p := rng.IntN(10); {
					case p < 5:
						kind = "get-endpoint"
					case p < 9:
						kind = "update-endpoint"
					default:
						kind = "put-events"
					}
				}
				switch kind {
				case "update-endpoint":
					method, path, body = "PUT", "/v1/apps/"+c.app+"/endpoints/"+endpointID(i), c.body(i)
				case "get-endpoint":
					method, path = "GET", "/v1/apps/"+c.app+"/endpoints/"+endpointID(i)
				case "update-endpoints-batch":
					n := c.o.batchSize
					s := rng.IntN(max(1, c.o.endpoints-n+1))
					method, path, body, items = "PUT", "/v1/apps/"+c.app+"/endpoints", c.batchBody(s, min(n, c.o.endpoints)), int64(min(n, c.o.endpoints))
				case "put-events":
					n := max(1, c.o.batchSize/10)
					method, path, body, items = "POST", "/v1/apps/"+c.app+"/events", c.eventsBody(i, n, seq.Add(1)), 1
				}
				t0 := time.Now()
				if !sched.IsZero() {
					t0 = sched
				}
				_, code := c.do(method, path, body)
				st.lat = append(st.lat, time.Since(t0))
				if code != "" {
					st.nErr++
					st.errs[code]++
					continue
				}
				st.nItems += items
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	res := benchResult{Op: op, Seconds: elapsed, Concurrency: c.o.concurrency, ErrorsByCode: map[string]int{}}
	var all []time.Duration
	var items int64
	for _, st := range stats {
		all = append(all, st.lat...)
		res.Errors += st.nErr
		items += st.nItems
		for k, v := range st.errs {
			res.ErrorsByCode[k] += v
		}
	}
	res.Requests = int64(len(all))
	res.RequestsPerSec = float64(res.Requests) / elapsed
	res.EndpointsPerSec = float64(items) / elapsed
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	res.P50ms, res.P90ms, res.P99ms = pct(0.50), pct(0.90), pct(0.99)
	if len(all) > 0 {
		res.MaxMs = float64(all[len(all)-1].Microseconds()) / 1000
	}
	return res
}

// floorRun measures the same client against an in-process handler that answers like the operation
// without doing any work: the most this client can get from any server on this machine.
func floorRun(ctx context.Context, o benchOptions, op string) benchResult {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return benchResult{}
	}
	get := []byte(`{"ApplicationId":"bench","Id":"x","ChannelType":"GCM","Address":"t","EndpointStatus":"ACTIVE","OptOut":"NONE","User":{}}`)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "GET" {
			w.WriteHeader(http.StatusOK)
			w.Write(get)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"Message":"Accepted","RequestID":"00000000-0000-0000-0000-000000000000"}`))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	o.target = "http://" + ln.Addr().String()
	c, err := newBenchClient(o)
	if err != nil {
		return benchResult{}
	}
	defer c.wire.close()
	c.app = "bench"
	return c.run(ctx, op)
}

// childServer is a pinpointd serve process started by bench, so that its memory is measured apart
// from the client's.
type childServer struct {
	cmd    *exec.Cmd
	url    string
	tmpDir string // removed by stop, when bench made the database
}

// startChild starts `pinpointd serve` from this executable on dsn (default: a temporary SQLite file).
func startChild(ctx context.Context, o benchOptions, dsn string) (*childServer, error) {
	if dsn == "" {
		dsn = o.store
	}
	var dir string
	if dsn == "" {
		var err error
		if dir, err = os.MkdirTemp("", "pinpointd-bench-"); err != nil {
			return nil, err
		}
		dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := startChildAt(ctx, o, dsn, addr)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.tmpDir = dir
	return s, nil
}

func startChildAt(ctx context.Context, o benchOptions, dsn, addr string) (*childServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{"serve", "--addr", addr, "--store", dsn, "--log-format", "json"}, o.serveArgs...)...)
	cmd.Env = append(os.Environ(), "PINPOINTD_ACCESS_KEY_ID="+o.keyID, "PINPOINTD_SECRET_ACCESS_KEY="+o.secret)
	cmd.Stdout = io.Discard
	logs, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// Keep only errors from the access log; drain the rest so the server never blocks on it.
	go func() {
		sc := bufio.NewScanner(logs)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := sc.Bytes(); bytes.Contains(line, []byte(`"level":"ERROR"`)) {
				fmt.Fprintln(os.Stderr, "server:", string(line))
			}
		}
	}()
	s := &childServer{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	return nil, fmt.Errorf("bench: server on %s did not become ready", addr)
}

// peakRSSMB is the server's peak resident memory so far (VmHWM).
func (s *childServer) peakRSSMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuTime is the CPU time (user and system) the server has used so far; 0 without a server or on
// a system without /proc.
func (s *childServer) cpuTime() time.Duration {
	if s == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which is in parentheses and may hold spaces): utime and
	// stime are the 12th and 13th of them, in clock ticks (100 per second on Linux).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func (s *childServer) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.kill()
	}
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir)
	}
}

func (s *childServer) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// envOr returns v, or def when v is empty.
func envOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
