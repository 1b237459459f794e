package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"pinpointd/internal/store"
)

// defaultPoolAllow is what a pool's credentials may call unless --allow says otherwise: what an
// app's analytics needs (Amplify's identifyUser and record), on the pool's app only.
var defaultPoolAllow = []string{"mobiletargeting:UpdateEndpoint", "mobiletargeting:PutEvents"}

// maxPoolTTL bounds a pool's credential lifetime (AWS's own bound for role sessions).
const maxPoolTTL = 12 * time.Hour

func poolsCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("pools: want create, list or delete")
	}
	fs := flag.NewFlagSet("pools "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := storeFlag(fs, env)
	app := fs.String("app", "", "ID of the app the pool's credentials act on (create; required)")
	account := fs.String("account", envOr(env, "PINPOINTD_ACCOUNT_ID", defaultAccount), "account of the app (create)")
	region := fs.String("region", envOr(env, "PINPOINTD_REGION", defaultRegion), "region prefix of the pool ID, as Cognito's (create) (env PINPOINTD_REGION)")
	allow := fs.String("allow", strings.Join(defaultPoolAllow, ","), "comma-separated actions the pool's credentials may call (create)")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the credentials the pool issues, 1s to 12h (create)")
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
		if *app == "" {
			return errors.New("pools create: --app is required")
		}
		if *ttl < time.Second || *ttl > maxPoolTTL {
			return fmt.Errorf("pools create: --ttl %s must lie between 1s and %s", *ttl, maxPoolTTL)
		}
		if *region == "" || strings.ContainsAny(*region, ": ") {
			return fmt.Errorf("pools create: --region %q is not a region name", *region)
		}
		var actions []string
		for _, a := range strings.Split(*allow, ",") {
			if a = strings.TrimSpace(a); a != "" {
				actions = append(actions, a)
			}
		}
		if len(actions) == 0 {
			return errors.New("pools create: --allow must name at least one action")
		}
		p := store.IdentityPool{
			ID: *region + ":" + uuid(), Account: *account, AppID: *app, Allow: actions,
			TTL: ttl.Truncate(time.Second), Created: time.Now().UTC().Truncate(time.Second),
		}
		if err := st.CreatePool(ctx, p); err != nil {
			if errors.Is(err, store.ErrAppNotFound) {
				return fmt.Errorf("pools create: account %s has no app %s", *account, *app)
			}
			return err
		}
		fmt.Fprintln(stdout, p.ID)
	case "list":
		pools, err := st.ListPools(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "POOL ID\tACCOUNT\tAPP\tTTL\tCREATED\tALLOW")
		for _, p := range pools {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Account, p.AppID, p.TTL, p.Created.UTC().Format(time.RFC3339), strings.Join(p.Allow, ","))
		}
		return tw.Flush()
	case "delete":
		if fs.NArg() != 1 {
			return errors.New("pools delete: want exactly one POOLID")
		}
		if err := st.DeletePool(ctx, fs.Arg(0)); err != nil {
			if errors.Is(err, store.ErrPoolNotFound) {
				return fmt.Errorf("pools delete: no pool %s", fs.Arg(0))
			}
			return err
		}
		fmt.Fprintf(stdout, "deleted %s and revoked its credentials\n", fs.Arg(0))
	default:
		return fmt.Errorf("pools: unknown subcommand %q: want create, list or delete", args[0])
	}
	return nil
}

// uuid returns a random (version 4) UUID.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
