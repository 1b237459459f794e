package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"pinpointd/internal/api"
	"pinpointd/internal/jobs"
	"pinpointd/internal/store"
)

// JobOptions configure import and export jobs. The zero value runs jobs with the jobs package's
// defaults, against AWS S3 without credentials, with file:// URLs refused.
type JobOptions struct {
	Dirs []string      // directories file:// URLs may name (--job-dirs)
	S3   jobs.S3Config // the S3-compatible service s3:// URLs name
	// Off stops this process from running jobs (it still accepts them; other processes run them).
	Off        bool
	Workers    int           // jobs this process runs at once
	PerAccount int           // jobs of one account running at once, across processes
	Lease      time.Duration // see jobs.Config.Lease
	Poll       time.Duration
	PieceSize  int
	BatchSize  int
}

// jobFlags defines the job flags on fs; the returned function reads them after fs.Parse.
func jobFlags(fs *flag.FlagSet, env func(string) string) func() JobOptions {
	dirs := fs.String("job-dirs", env("PINPOINTD_JOB_DIRS"), "comma-separated absolute directories that file:// job URLs may name; empty = file:// refused (env PINPOINTD_JOB_DIRS)")
	endpoint := fs.String("s3-endpoint", env("PINPOINTD_S3_ENDPOINT"), "base URL of the S3-compatible service for s3:// job URLs; empty = AWS S3 (env PINPOINTD_S3_ENDPOINT; keys from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)")
	region := fs.String("s3-region", envOr(env, "PINPOINTD_S3_REGION", envOr(env, "AWS_REGION", "us-east-1")), "region of the S3 service (env PINPOINTD_S3_REGION, AWS_REGION)")
	pathStyle := fs.Bool("s3-path-style", env("PINPOINTD_S3_PATH_STYLE") == "true", "address buckets in the path, as MinIO and most self-hosted services need (env PINPOINTD_S3_PATH_STYLE=true)")
	off := fs.Bool("job-runner-off", env("PINPOINTD_JOB_RUNNER_OFF") == "true", "accept jobs but leave running them to other processes (env PINPOINTD_JOB_RUNNER_OFF=true)")
	workers := fs.Int("job-workers", int(envFloat(env, "PINPOINTD_JOB_WORKERS", jobs.DefaultWorkers)), "jobs this process runs at once (env PINPOINTD_JOB_WORKERS)")
	perAccount := fs.Int("job-max-per-account", int(envFloat(env, "PINPOINTD_JOB_MAX_PER_ACCOUNT", jobs.DefaultPerAccount)), "jobs of one account running at once across all processes (env PINPOINTD_JOB_MAX_PER_ACCOUNT)")
	lease := fs.Duration("job-lease", envDuration(env, "PINPOINTD_JOB_LEASE", jobs.DefaultLease), "how long after its process stops a running job is taken over by another (env PINPOINTD_JOB_LEASE)")
	piece := fs.Int("job-piece-size", int(envFloat(env, "PINPOINTD_JOB_PIECE_SIZE", jobs.DefaultPieceSize)), "endpoints per export file (env PINPOINTD_JOB_PIECE_SIZE)")
	return func() JobOptions {
		o := JobOptions{
			S3: jobs.S3Config{
				Endpoint: *endpoint, Region: *region, PathStyle: *pathStyle,
				AccessKeyID: env("AWS_ACCESS_KEY_ID"), SecretAccessKey: env("AWS_SECRET_ACCESS_KEY"), SessionToken: env("AWS_SESSION_TOKEN"),
			},
			Off: *off, Workers: *workers, PerAccount: *perAccount, Lease: *lease, PieceSize: *piece,
		}
		for _, d := range strings.Split(*dirs, ",") {
			if d = strings.TrimSpace(d); d != "" {
				o.Dirs = append(o.Dirs, d)
			}
		}
		return o
	}
}

// startJobs enables the job operations of srv and, unless o.Off, starts this process's runner.
// The returned function stops the runner and waits for it (its jobs hand their leases back).
func startJobs(o Options, st store.Store, srv *api.Server) (stop func(), err error) {
	storage, err := jobs.NewStorage(o.Jobs.S3, o.Jobs.Dirs)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if o.Jobs.Off {
		srv.SetJobs(storage, nil)
		return func() {}, nil
	}
	r := jobs.New(jobs.Config{
		Store: st, Storage: storage, Log: o.Log,
		Lease: o.Jobs.Lease, Poll: o.Jobs.Poll, Workers: o.Jobs.Workers, PerAccount: o.Jobs.PerAccount,
		PieceSize: o.Jobs.PieceSize, BatchSize: o.Jobs.BatchSize,
	})
	srv.SetJobs(storage, r.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	return func() { cancel(); <-done }, nil
}
