package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/chromedp/chromedp"

	"pinpointd/internal/cli"
)

// chromiumPath is Debian's Chromium (apt-get install chromium); .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

// TestConsoleBrowser drives the web console in a real headless Chromium: sign in, create an
// app, write an endpoint through the AWS SDK, find it, create a segment, see its size, start an
// export of the segment and see it complete.
// With PINPOINTD_CONSOLE_SCREENSHOTS=DIR it saves screenshots of the main pages in DIR (the
// README's come from `PINPOINTD_CONSOLE_SCREENSHOTS=$PWD/docs/console`).
func TestConsoleBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("SKIP console browser test: %s not found (apt-get install chromium)", chromiumPath)
	}
	shots := os.Getenv("PINPOINTD_CONSOLE_SCREENSHOTS")
	jobDir := t.TempDir()
	h := start(t, "sqlite:"+filepath.Join(t.TempDir(), "pinpointd.db"), func(o *cli.Options) {
		o.Console = true
		o.Jobs.Dirs = []string{jobDir}
	})
	base := h.inst.URL()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	fail := func(step string, err error) {
		t.Helper()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v (at %s)\n%s", step, err, loc, body)
	}
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			fail(step, err)
		}
	}
	get := func(step string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			fail(step, err)
		}
		return v
	}
	shot := func(name string, width, height int64) {
		t.Helper()
		if shots == "" {
			return
		}
		run("viewport for "+name, chromedp.EmulateViewport(width, height),
			chromedp.Sleep(300*time.Millisecond)) // let the layout settle; a picture, not an assertion
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			fail("screenshot "+name, err)
		}
		run("viewport", chromedp.EmulateViewport(1200, 900))
		if err := os.WriteFile(filepath.Join(shots, name+".png"), smallPNG(t, png), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Sign in: the console sends us to the sign-in page first.
	run("open the console", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.ID("access_key_id")))
	shot("login", 1000, 520)
	run("sign in",
		chromedp.SendKeys(chromedp.ID("access_key_id"), testKeyID),
		chromedp.SendKeys(chromedp.ID("secret_access_key"), testSecret),
		chromedp.Submit(chromedp.ID("secret_access_key")),
		chromedp.WaitVisible(chromedp.ID("name")),
	)

	// Create an app through the form.
	run("create an app",
		chromedp.SendKeys(chromedp.ID("name"), "Browser Shop"),
		chromedp.Submit(chromedp.ID("name")),
		chromedp.WaitVisible(chromedp.ID("confirm")),
	)
	loc := get("app page", chromedp.Location())
	appID := loc[strings.LastIndex(loc, "/")+1:]
	if len(appID) != 32 {
		t.Fatalf("app page %s: no app ID", loc)
	}

	// Write endpoints through the AWS SDK.
	for _, ep := range []struct{ id, addr, plan string }{{"phone-1", "+15550100", "gold"}, {"phone-2", "+15550101", "free"}} {
		_, err := h.client.UpdateEndpoint(context.Background(), &pinpoint.UpdateEndpointInput{
			ApplicationId: aws.String(appID), EndpointId: aws.String(ep.id),
			EndpointRequest: &types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String(ep.addr),
				Attributes: map[string][]string{"plan": {ep.plan}}, User: &types.EndpointUser{UserId: aws.String("alice")}},
		})
		if err != nil {
			t.Fatalf("UpdateEndpoint %s: %v", ep.id, err)
		}
	}
	// And a few days of events, for the dashboard.
	events := map[string]types.Event{}
	for i := range 12 {
		ts := time.Now().UTC().Add(-time.Duration(i*i) * 3 * time.Hour).Format(time.RFC3339)
		events[fmt.Sprintf("ev-%d", i)] = types.Event{EventType: aws.String("_session.start"), Timestamp: aws.String(ts)}
	}
	_, err := h.client.PutEvents(context.Background(), &pinpoint.PutEventsInput{ApplicationId: aws.String(appID),
		EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{
			"phone-1": {Endpoint: &types.PublicEndpoint{}, Events: events},
		}}})
	if err != nil {
		t.Fatalf("PutEvents: %v", err)
	}
	run("apps list", chromedp.Navigate(base+"/console/apps"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot("apps", 1000, 600)
	run("dashboard", chromedp.Navigate(base+"/console/apps/"+appID), chromedp.WaitVisible(chromedp.CSS(".dashboard svg")))
	shot("app-dashboard", 1200, 900)

	// Find the endpoint by its address and open it.
	run("find by address",
		chromedp.Navigate(base+"/console/apps/"+appID+"/endpoints"),
		chromedp.SetValue(chromedp.ID("by"), "address"),
		chromedp.SendKeys(chromedp.ID("q"), "+15550100"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/endpoints/phone-1"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="/endpoints/phone-1"]`)),
		chromedp.WaitVisible(chromedp.ID("attributes")),
	)
	text := get("endpoint page", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"+15550100", "SMS", "alice", "CohortId"} {
		if !strings.Contains(text, want) {
			t.Errorf("endpoint page lacks %q:\n%s", want, text)
		}
	}
	shot("endpoint", 1000, 1200)

	// Create a segment with the form and see its size.
	run("new segment",
		chromedp.Navigate(base+"/console/apps/"+appID+"/segments/new"),
		chromedp.WaitVisible(chromedp.ID("attr_name_0")),
		chromedp.SendKeys(chromedp.ID("name"), "Gold users"),
		chromedp.SendKeys(chromedp.ID("attr_name_0"), "plan"),
		chromedp.SendKeys(chromedp.ID("attr_values_0"), "gold"),
	)
	shot("segment-form", 1000, 1300)
	run("create the segment",
		chromedp.Submit(chromedp.ID("name")),
		chromedp.WaitVisible(chromedp.ID("segment-size")),
	)
	text = get("segment size", chromedp.Text(chromedp.ID("segment-size")))
	if text != "1" {
		t.Errorf("segment size: got %q, want 1", text)
	}
	run("members", chromedp.WaitVisible(chromedp.CSS(`.fragment a[href$="/endpoints/phone-1"]`)))
	shot("segment", 1000, 1000)

	// Export the segment from its page and watch the job complete (the page reloads itself).
	run("start an export",
		chromedp.Click(chromedp.CSS(`a[href*="/jobs?segment="]`)),
		chromedp.WaitVisible(chromedp.ID("s3_url_prefix")),
		chromedp.SendKeys(chromedp.ID("s3_url_prefix"), "file://"+jobDir+"/gold"),
		chromedp.Submit(chromedp.ID("s3_url_prefix")),
		chromedp.WaitVisible(chromedp.ID("job-status")),
	)
	run("export completes", chromedp.WaitVisible(chromedp.CSS(`progress[value="1"][max="1"]`)))
	if status := get("job status", chromedp.Text(chromedp.ID("job-status"))); status != "COMPLETED" {
		t.Errorf("export job: got %s, want COMPLETED", status)
	}
	if n := get("processed", chromedp.Text(chromedp.ID("job-processed"))); n != "1" {
		t.Errorf("export job: TotalProcessed %s, want 1 (the segment's one endpoint)", n)
	}
	shot("export-job", 1000, 800)
	run("jobs list", chromedp.Click(chromedp.CSS(`a[href$="/jobs"]`)), chromedp.WaitVisible(chromedp.CSS("progress")))
	shot("jobs", 1000, 1100)

	// At phone width.
	run("phone width", chromedp.Navigate(base+"/console/apps/"+appID), chromedp.WaitVisible(chromedp.CSS(".dashboard svg")))
	shot("app-phone", 390, 1100)

	// Sign out ends the session.
	run("sign out",
		chromedp.Click(chromedp.CSS(".signout button")),
		chromedp.WaitVisible(chromedp.ID("access_key_id")),
		chromedp.Navigate(base+"/console/apps"),
		chromedp.WaitVisible(chromedp.ID("access_key_id")),
	)
}

// smallPNG re-encodes a screenshot with the 256 colors it uses most (a page is flat colors and
// antialiased text, so the difference does not show) at the best compression: a third of the size.
func smallPNG(t *testing.T, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	r := img.Bounds()
	count := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(count))
	for c := range count {
		colors = append(colors, c)
	}
	sort.Slice(colors, func(i, j int) bool { return count[colors[i]] > count[colors[j]] })
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	pm := image.NewPaletted(r, pal)
	draw.Draw(pm, r, img, r.Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, pm); err != nil {
		t.Fatalf("encode screenshot: %v", err)
	}
	return out.Bytes()
}
