package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// benchSegment is the segment --op segment-size sizes: one attribute, one demographic and one
// recency dimension, all of which must match.
const benchSegment = `{"Name":"bench","Dimensions":{
 "Attributes":{"plan":{"AttributeType":"INCLUSIVE","Values":["gold","silver"]}},
 "Demographic":{"Platform":{"DimensionType":"INCLUSIVE","Values":["ios"]}},
 "Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"ACTIVE"}}}}`

// segmentBatchBody is a batch of realistic endpoints of varied content for the segment
// benchmark: each has its own user, four plans, three platforms, an EffectiveDate spread over the
// last 60 days, and the size of the other benchmarks' endpoints. About a sixth of them match
// benchSegment (half the plans, a third of the platforms, half the dates).
func (c *benchClient) segmentBatchBody(start, n int) []byte {
	plans := []string{"gold", "silver", "bronze", "free"}
	platforms := []string{"ios", "android", "web"}
	now := time.Now().UTC()
	var b bytes.Buffer
	b.WriteString(`{"Item":[`)
	for k := range n {
		i := start + k
		if k > 0 {
			b.WriteByte(',')
		}
		var ep map[string]any
		json.Unmarshal(c.body(i), &ep)
		ep["Id"] = endpointID(i)
		ep["Attributes"].(map[string]any)["plan"] = []string{plans[i%len(plans)]}
		ep["Demographic"].(map[string]any)["Platform"] = platforms[(i/len(plans))%len(platforms)]
		ep["EffectiveDate"] = now.Add(-time.Duration(i%60) * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
		item, _ := json.Marshal(ep)
		b.Write(item)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// runSegmentSize populates --endpoints endpoints (unless --no-populate), creates benchSegment and asks its size, one
// request at a time, for --duration or --requests requests. EndpointsPerSec is endpoints examined
// per second (the app's endpoints times the requests, over the time they took).
func (c *benchClient) runSegmentSize(ctx context.Context, log io.Writer) (benchResult, error) {
	if c.o.noPopulate {
		if c.o.app == "" {
			return benchResult{}, fmt.Errorf("--no-populate needs the --app an earlier run populated")
		}
	} else {
		t0 := time.Now()
		if err := c.populateWith(ctx, c.segmentBatchBody); err != nil {
			return benchResult{}, fmt.Errorf("populate: %w", err)
		}
		fmt.Fprintf(log, "bench: populated %d endpoints in %.1f s\n", c.o.endpoints, time.Since(t0).Seconds())
	}
	resp, err := c.send("POST", "/v1/apps/"+c.app+"/segments", []byte(benchSegment))
	if err != nil {
		return benchResult{}, err
	}
	if resp.status != http.StatusCreated {
		return benchResult{}, fmt.Errorf("CreateSegment: %d %s", resp.status, resp.body)
	}
	var seg struct{ Id string }
	json.Unmarshal(resp.body, &seg)
	path := "/v1/apps/" + c.app + "/segments/" + seg.Id + "/size"

	ctx, cancel := context.WithTimeout(ctx, c.o.duration)
	defer cancel()
	res := benchResult{Op: "segment-size", Concurrency: 1, ErrorsByCode: map[string]int{}}
	var lat []time.Duration
	cpu0 := c.serverCPU()
	start := time.Now()
	for ctx.Err() == nil && (c.o.requests == 0 || int64(len(lat)) < c.o.requests) {
		t := time.Now()
		resp, err := c.send("GET", path, nil)
		lat = append(lat, time.Since(t))
		switch {
		case err != nil:
			res.Errors++
			res.ErrorsByCode["transport"]++
		case resp.status != http.StatusOK:
			res.Errors++
			res.ErrorsByCode[resp.errorType]++
		case len(lat) == 1:
			fmt.Fprintf(log, "bench: segment size: %s\n", resp.body)
		}
	}
	elapsed := time.Since(start).Seconds()
	res.Seconds = elapsed
	res.Requests = int64(len(lat))
	if cpu := c.serverCPU() - cpu0; cpu > 0 && res.Requests > 0 {
		res.ServerCPUus = float64(cpu.Microseconds()) / float64(res.Requests) // the sizes only, not populating
	}
	res.RequestsPerSec = float64(res.Requests) / elapsed
	res.EndpointsPerSec = float64(res.Requests-res.Errors) * float64(c.o.endpoints) / elapsed
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	res.P50ms, res.P90ms, res.P99ms, res.MaxMs = pct(0.5), pct(0.9), pct(0.99), float64(lat[len(lat)-1].Microseconds())/1000
	return res, nil
}
