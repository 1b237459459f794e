package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"pinpointd/internal/bench"
	"pinpointd/internal/store"
	"pinpointd/internal/store/postgres"
)

const (
	defaultStore   = "sqlite:pinpointd.db"
	defaultRegion  = "us-east-1"
	defaultAccount = "000000000000"
)

const usage = `pinpointd — a self-hosted server for Amazon Pinpoint's endpoint API

Usage:
  pinpointd serve   [--addr ADDR] [--store DSN] [--region REGION] …   run the API
  pinpointd migrate [--store DSN] [--distribute]                      apply schema migrations (--distribute: on Citus)
  pinpointd keys create [--account ID] [--allow ACTIONS]              create an access key
  pinpointd keys list                                                 list access keys
  pinpointd keys revoke KEYID                                         revoke an access key
  pinpointd segments size      --app ID --segment ID [--version N]    count a segment's endpoints and users
  pinpointd segments endpoints --app ID --segment ID [--version N]    list a segment's endpoints (JSON lines)
  pinpointd pools create --app APPID [--account ID] [--allow ACTIONS] [--ttl 1h]
                                                                      create an identity pool
  pinpointd pools list                                                list identity pools
  pinpointd pools delete POOLID                                       delete a pool, revoking its credentials
  pinpointd bench   [--op OP] [--duration D] …                        measure throughput
  pinpointd version

Run 'pinpointd COMMAND -h' for a command's flags.
`

// Main runs the command line and returns the process exit code. env looks up environment variables.
func Main(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = serveCmd(ctx, rest, env, stdout, stderr)
	case "migrate":
		err = migrateCmd(ctx, rest, env, stdout, stderr)
	case "keys":
		err = keysCmd(ctx, rest, env, stdout, stderr)
	case "segments":
		err = segmentsCmd(ctx, rest, env, stdout, stderr)
	case "pools":
		err = poolsCmd(ctx, rest, env, stdout, stderr)
	case "bench":
		err = bench.Main(ctx, rest, env, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "pinpointd", version())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "pinpointd: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "pinpointd:", err)
		return 1
	}
	return 0
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func envOr(env func(string) string, name, def string) string {
	if v := env(name); v != "" {
		return v
	}
	return def
}

func envDuration(env func(string) string, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(name)); err == nil {
		return d
	}
	return def
}

func envFloat(env func(string) string, name string, def float64) float64 {
	if f, err := strconv.ParseFloat(env(name), 64); err == nil {
		return f
	}
	return def
}

func storeFlag(fs *flag.FlagSet, env func(string) string) *string {
	return fs.String("store", envOr(env, "PINPOINTD_STORE", defaultStore), "sqlite:PATH or postgres://… (env PINPOINTD_STORE)")
}

func migrateCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := storeFlag(fs, env)
	distribute := fs.Bool("distribute", false, "on PostgreSQL with the citus extension: distribute the tables by application (app-scoped tables co-located with apps, global tables as reference tables)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger("text", stderr)
	if *distribute && !strings.HasPrefix(*dsn, "postgres") {
		return errors.New("migrate: --distribute needs a postgres:// store with the citus extension")
	}
	if *distribute {
		ran, err := postgres.Distribute(ctx, *dsn, log)
		if err != nil {
			return err
		}
		for _, q := range ran {
			fmt.Fprintln(stdout, q)
		}
	} else if strings.HasPrefix(*dsn, "postgres") {
		if err := postgres.Migrate(ctx, *dsn, log); err != nil {
			return err
		}
	} else {
		// Opening a SQLite store applies its migrations.
		st, err := OpenStore(ctx, *dsn, log)
		if err != nil {
			return err
		}
		if err := st.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "schema is up to date")
	return nil
}

func keysCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: want create, list or revoke")
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := storeFlag(fs, env)
	account := fs.String("account", envOr(env, "PINPOINTD_ACCOUNT_ID", defaultAccount), "account the key acts for (create)")
	allow := fs.String("allow", "", "comma-separated actions the key may call, e.g. mobiletargeting:UpdateEndpoint,mobiletargeting:PutEvents (create; empty = all)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, err := OpenStore(ctx, *dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "create":
		if len(*account) != 12 || strings.Trim(*account, "0123456789") != "" {
			return fmt.Errorf("keys create: --account %q must be 12 digits", *account)
		}
		var actions []string
		for _, a := range strings.Split(*allow, ",") {
			if a = strings.TrimSpace(a); a != "" {
				actions = append(actions, a)
			}
		}
		k := newKey(*account, actions)
		if err := st.PutKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\naccount=%s\nallow=%s\n", k.AccessKeyID, k.Secret, k.Account, allowString(k.Allow))
	case "list":
		keys, err := st.ListKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCESS KEY ID\tACCOUNT\tSTATUS\tCREATED\tALLOW")
		for _, k := range keys {
			status := "active"
			if k.Revoked {
				status = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.AccessKeyID, k.Account, status, k.Created.UTC().Format(time.RFC3339), allowString(k.Allow))
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("keys revoke: want exactly one KEYID")
		}
		if err := st.RevokeKey(ctx, fs.Arg(0)); err != nil {
			if errors.Is(err, store.ErrKeyNotFound) {
				return fmt.Errorf("keys revoke: no key %s", fs.Arg(0))
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
	default:
		return fmt.Errorf("keys: unknown subcommand %q: want create, list or revoke", args[0])
	}
	return nil
}

func allowString(allow []string) string {
	if len(allow) == 0 {
		return "*"
	}
	return strings.Join(allow, ",")
}
