package pinpoint_test

import (
	"encoding/json"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
)

// benchBody is a typical ~600-byte UpdateEndpoint body.
var benchBody = []byte(`{"ChannelType":"GCM","Address":"fcm-token-00000042-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
"Attributes":{"interests":["music","travel","technology"],"plan":["premium"]},
"Demographic":{"AppVersion":"4.2.1","Locale":"en_US","Make":"Google","Model":"Pixel 8","Platform":"android","PlatformVersion":"15","Timezone":"America/Los_Angeles"},
"Location":{"City":"Seattle","Country":"US","Latitude":47.61,"Longitude":-122.33,"PostalCode":"98121","Region":"WA"},
"Metrics":{"sessions":42,"purchases":3},"OptOut":"NONE",
"User":{"UserId":"user-00000042","UserAttributes":{"tier":["gold"]}}}`)

// BenchmarkDecodeValidateMerge is the CPU work of one UpdateEndpoint outside HTTP and storage:
// decode the body (by the fast path, as the server does), validate it, merge it onto the stored
// endpoint.
func BenchmarkDecodeValidateMerge(b *testing.B) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var first pinpoint.EndpointRequest
	if err := json.Unmarshal(benchBody, &first); err != nil {
		b.Fatal(err)
	}
	u := pinpoint.Update{AppID: "app", ID: "ep", Now: now, RequestID: "req"}
	old, err := pinpoint.Merge(nil, nil, &first, u)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		var req pinpoint.EndpointRequest
		if !pinpoint.DecodeEndpointRequest(benchBody, &req) {
			b.Fatal("the fast path declined the body")
		}
		if err := req.Validate(""); err != nil {
			b.Fatal(err)
		}
		if _, err := pinpoint.Merge(old, old.User.UserAttributes, &req, u); err != nil {
			b.Fatal(err)
		}
	}
}
