package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"pinpointd/internal/api"
	"pinpointd/internal/console"
	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
	"pinpointd/internal/store/postgres"
	"pinpointd/internal/store/sqlite"
)

// Options configure a server. The zero value of each field but Store and Addr is usable.
type Options struct {
	Addr        string // listen address; "127.0.0.1:0" picks a free port
	Store       string // "sqlite:PATH" or "postgres://…"
	Region      string
	AccessKeyID string // root key of Account; empty: generate one on first start
	SecretKey   string
	Account     string
	MaxSkew     time.Duration
	// SigningRegions are the regions a request's credential scope may name; empty accepts any.
	SigningRegions []string
	// SigningHosts are hosts a signature may also have been computed for, besides the Host the
	// request reached ("pinpoint.{region}.amazonaws.com"); see sigv4.Verifier.SigningHosts.
	SigningHosts []string
	// RateLimit is requests per second allowed per account and operation; 0 disables limiting.
	RateLimit float64
	// RateBurst is the bucket size; 0 means max(1, RateLimit).
	RateBurst int
	// WriteTimeout bounds how long a response may take, not counting the reading of the
	// request's body; 0 means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next request; 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// BodyBudget bounds the bytes of request bodies read but not yet authenticated; 0 means
	// api.DefaultBodyBudget. Beyond it, requests are answered 503 with Retry-After.
	BodyBudget int64
	// Console serves the web console under /console/ on the same listener.
	Console bool
	Log     *slog.Logger
	// Now is the server's clock (signature dates, credential expiry); nil means time.Now.
	Now func() time.Time
	// Out receives the one-time message with a generated root key.
	Out io.Writer
	// Jobs configures import and export jobs (jobs.go).
	Jobs JobOptions
}

// Defaults of the connection timeouts. ReadHeaderTimeout and ReadTimeout are fixed: 10 s for a
// request's header, 60 s for the whole request with its body.
const (
	DefaultWriteTimeout = 30 * time.Second
	DefaultIdleTimeout  = 30 * time.Second
)

// Instance is a running server.
type Instance struct {
	Store    store.Store
	API      *api.Server
	http     *http.Server
	listener net.Listener
	served   chan error
	log      *slog.Logger
	stopJobs func() // stops the job runner (jobs.go)
}

// OpenStore opens the backend a DSN names: "sqlite:PATH" (or a bare path) or "postgres://…".
func OpenStore(ctx context.Context, dsn string, log *slog.Logger) (store.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn, log)
	case strings.HasPrefix(dsn, "sqlite://"):
		return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite://"), log)
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite:"), log)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("unsupported store %q: use sqlite:PATH or postgres://", dsn)
	}
	return sqlite.Open(ctx, dsn, log)
}

// Start opens the store, makes sure a root key exists, and starts serving on o.Addr.
func Start(ctx context.Context, o Options) (*Instance, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Account == "" {
		o.Account = defaultAccount
	}
	if o.Region == "" {
		o.Region = defaultRegion
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.BodyBudget > 0 && o.BodyBudget < pinpoint.MaxRequestBytes {
		return nil, fmt.Errorf("the body budget (%d bytes) must hold at least one body of the largest size (%d bytes)", o.BodyBudget, pinpoint.MaxRequestBytes)
	}
	st, err := OpenStore(ctx, o.Store, o.Log)
	if err != nil {
		return nil, err
	}
	if lite, ok := st.(*sqlite.Store); ok {
		if err := lite.Exclusive(); err != nil {
			st.Close()
			return nil, err
		}
	}
	if err := ensureRootKey(ctx, st, o); err != nil {
		st.Close()
		return nil, err
	}
	cfg := api.Config{
		Store: st,
		Auth: api.NewKeyAuth(api.KeyAuthConfig{Store: st, MaxSkew: o.MaxSkew, AllowRegion: regionPolicy(o.SigningRegions),
			SigningHosts: o.SigningHosts, Now: o.Now}),
		Region:       o.Region,
		Log:          o.Log,
		WriteTimeout: o.WriteTimeout,
		BodyBudget:   o.BodyBudget,
		Now:          o.Now,
	}
	if o.RateLimit > 0 {
		cfg.Limiter = newLimiter(o.RateLimit, o.RateBurst).allow
	}
	srv := api.New(cfg)
	stopJobs, err := startJobs(o, st, srv)
	if err != nil {
		st.Close()
		return nil, err
	}
	if s, ok := st.(interface {
		SetCommitObserver(func(int, time.Duration, error))
	}); ok {
		s.SetCommitObserver(srv.ObserveCommit)
	}
	var handler http.Handler = srv
	if o.Console {
		// The console signs its requests for a region the API accepts.
		region := o.Region
		if len(o.SigningRegions) > 0 && !slices.Contains(o.SigningRegions, region) {
			region = o.SigningRegions[0]
		}
		handler = console.Mount(console.New(console.Config{API: srv, Store: st, Region: region, Log: o.Log, Now: o.Now}), srv)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		stopJobs()
		st.Close()
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	inst := &Instance{
		Store: st,
		API:   srv,
		http: &http.Server{
			Handler:           handler,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			// The API bounds the response itself (api.Config.WriteTimeout), from after the
			// body is read, so that a slow upload does not eat into it.
			IdleTimeout:    o.IdleTimeout,
			MaxHeaderBytes: 64 << 10,
			// FramingListener needs to see every request reach the handler, "OPTIONS *" too.
			ConnContext:                  api.ConnContext,
			DisableGeneralOptionsHandler: true,
			ErrorLog:                     slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
		},
		listener: api.FramingListener(ln),
		served:   make(chan error, 1),
		log:      o.Log,
		stopJobs: stopJobs,
	}
	go func() { inst.served <- inst.http.Serve(inst.listener) }()
	o.Log.Info("serving", "addr", ln.Addr().String(), "store", redact(o.Store), "region", o.Region)
	return inst, nil
}

// regionPolicy accepts the listed regions, or any region when the list is empty.
func regionPolicy(regions []string) func(string) bool {
	if len(regions) == 0 {
		return nil
	}
	return func(r string) bool { return slices.Contains(regions, r) }
}

// Addr is the address the server listens on.
func (i *Instance) Addr() string { return i.listener.Addr().String() }

// URL is the server's base URL.
func (i *Instance) URL() string { return "http://" + i.Addr() }

// Close stops accepting requests, lets in-flight ones finish (until ctx ends), then closes the store.
func (i *Instance) Close(ctx context.Context) error {
	err := i.http.Shutdown(ctx)
	if err != nil {
		i.http.Close()
	}
	i.stopJobs()
	return errors.Join(err, i.Store.Close())
}

// Done delivers the error of the HTTP server if it stops serving on its own (the listener failed).
func (i *Instance) Done() <-chan error { return i.served }

// ensureRootKey stores the configured root key, or generates and prints one when no key exists.
func ensureRootKey(ctx context.Context, st store.Store, o Options) error {
	if (o.AccessKeyID == "") != (o.SecretKey == "") {
		return errors.New("PINPOINTD_ACCESS_KEY_ID and PINPOINTD_SECRET_ACCESS_KEY must be set together")
	}
	if o.AccessKeyID != "" {
		k, err := st.GetKey(ctx, o.AccessKeyID)
		switch {
		case errors.Is(err, store.ErrKeyNotFound):
			err := st.PutKey(ctx, store.Key{AccessKeyID: o.AccessKeyID, Secret: o.SecretKey, Account: o.Account, Created: time.Now()})
			if errors.Is(err, store.ErrExists) {
				return nil // another process stored it first
			}
			return err
		case err != nil:
			return err
		case k.Secret != o.SecretKey || k.Account != o.Account:
			return fmt.Errorf("access key %s is stored with another secret or account; revoke it with 'pinpointd keys revoke' or choose another key ID", o.AccessKeyID)
		case k.Revoked:
			return fmt.Errorf("access key %s has been revoked", o.AccessKeyID)
		}
		return nil
	}
	keys, err := st.ListKeys(ctx)
	if err != nil || len(keys) > 0 {
		return err
	}
	k := newKey(o.Account, nil)
	if err := st.PutKey(ctx, k); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "Created a root access key for account %s. It is shown only this once:\n  AWS_ACCESS_KEY_ID=%s\n  AWS_SECRET_ACCESS_KEY=%s\n", k.Account, k.AccessKeyID, k.Secret)
	return nil
}

const keyIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newKey generates an access key: an ID in AWS's form (AKIA + 16 characters) and a 40-character secret.
func newKey(account string, allow []string) store.Key {
	id := make([]byte, 16)
	rand.Read(id)
	for i, b := range id {
		id[i] = keyIDAlphabet[int(b)%len(keyIDAlphabet)]
	}
	const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	secret := make([]byte, 40)
	rand.Read(secret)
	for i, b := range secret {
		secret[i] = secretAlphabet[int(b)%len(secretAlphabet)]
	}
	return store.Key{AccessKeyID: "AKIA" + string(id), Secret: string(secret), Account: account, Allow: allow, Created: time.Now().UTC()}
}

// redact hides a password in a DSN for logging.
func redact(dsn string) string {
	at := strings.Index(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}

func serveCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Addr, "addr", envOr(env, "PINPOINTD_ADDR", "127.0.0.1:8080"), "listen address (env PINPOINTD_ADDR)")
	fs.StringVar(&o.Store, "store", envOr(env, "PINPOINTD_STORE", defaultStore), "sqlite:PATH or postgres://… (env PINPOINTD_STORE)")
	fs.StringVar(&o.Region, "region", envOr(env, "PINPOINTD_REGION", defaultRegion), "region used in ARNs (env PINPOINTD_REGION)")
	fs.DurationVar(&o.MaxSkew, "max-skew", envDuration(env, "PINPOINTD_MAX_SKEW", 15*time.Minute), "largest accepted clock skew of signed requests (env PINPOINTD_MAX_SKEW)")
	fs.Float64Var(&o.RateLimit, "rate-limit", envFloat(env, "PINPOINTD_RATE_LIMIT", 0), "requests per second per account and operation; 0 = unlimited (env PINPOINTD_RATE_LIMIT)")
	fs.IntVar(&o.RateBurst, "rate-burst", int(envFloat(env, "PINPOINTD_RATE_BURST", 0)), "burst size of the rate limit; 0 = the rate (env PINPOINTD_RATE_BURST)")
	fs.DurationVar(&o.WriteTimeout, "write-timeout", envDuration(env, "PINPOINTD_WRITE_TIMEOUT", DefaultWriteTimeout), "longest time a response may take, once the request body is read (env PINPOINTD_WRITE_TIMEOUT)")
	fs.DurationVar(&o.IdleTimeout, "idle-timeout", envDuration(env, "PINPOINTD_IDLE_TIMEOUT", DefaultIdleTimeout), "how long a keep-alive connection may wait for its next request (env PINPOINTD_IDLE_TIMEOUT)")
	budgetMiB := fs.Int64("body-budget-mib", int64(envFloat(env, "PINPOINTD_BODY_BUDGET_MIB", api.DefaultBodyBudget>>20)), "MiB that request bodies not yet authenticated may hold in all; beyond, 503 with Retry-After (env PINPOINTD_BODY_BUDGET_MIB)")
	regions := fs.String("signing-regions", env("PINPOINTD_SIGNING_REGIONS"), "comma-separated regions a signature may be scoped to; empty = any (env PINPOINTD_SIGNING_REGIONS)")
	hosts := fs.String("signing-hosts", env("PINPOINTD_SIGNING_HOSTS"), "comma-separated hosts a signature may also name, {region} = the signature's region, e.g. 'pinpoint.{region}.amazonaws.com' for Amplify apps (env PINPOINTD_SIGNING_HOSTS)")
	pprofAddr := fs.String("pprof-addr", env("PINPOINTD_PPROF_ADDR"), "serve net/http/pprof on this address (off when empty; keep it on loopback) (env PINPOINTD_PPROF_ADDR)")
	fs.BoolVar(&o.Console, "console", envBool(env, "PINPOINTD_CONSOLE"), "serve the web console under /console/ (env PINPOINTD_CONSOLE=1)")
	logFormat := fs.String("log-format", envOr(env, "PINPOINTD_LOG_FORMAT", "text"), "text or json (env PINPOINTD_LOG_FORMAT)")
	jobOptions := jobFlags(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.BodyBudget = *budgetMiB << 20
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			o.SigningRegions = append(o.SigningRegions, r)
		}
	}
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.SigningHosts = append(o.SigningHosts, h)
		}
	}
	o.AccessKeyID = env("PINPOINTD_ACCESS_KEY_ID")
	o.SecretKey = env("PINPOINTD_SECRET_ACCESS_KEY")
	o.Account = envOr(env, "PINPOINTD_ACCOUNT_ID", defaultAccount)
	logOut := newLogBuffer(stderr)
	defer logOut.Flush()
	o.Log = newLogger(*logFormat, logOut)
	o.Out = stdout
	o.Jobs = jobOptions()

	// Every request allocates (JSON, HTTP); with Go's default GOGC=100 the collector's share of
	// the two cores slowed the single SQLite writer by a quarter under load (pinpointd bench:
	// 4,659 -> 6,234 UpdateEndpoint/s at GOGC=400). The soft memory limit bounds the heap that a
	// high GOGC would let grow (batches of 100 endpoints: peak RSS 264 MB without it, 121 MB
	// with 96 MiB). GOGC and GOMEMLIMIT, when set, win.
	if env("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
	if *pprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() { o.Log.Error("pprof server stopped", "err", http.ListenAndServe(*pprofAddr, mux)) }()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	inst, err := Start(ctx, o)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		o.Log.Info("shutting down")
	case err := <-inst.Done():
		o.Log.Error("server stopped", "err", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := inst.Close(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	o.Log.Info("stopped")
	return nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// envBool reads a boolean environment variable: 1, true, yes or on (any case) is true.
func envBool(env func(string) string, name string) bool {
	switch strings.ToLower(env(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
