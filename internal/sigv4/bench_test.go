package sigv4_test

import (
	"context"
	"net/http"
	"testing"
)

// benchBody is a typical UpdateEndpoint body, about 600 bytes.
var benchBody = []byte(`{"Address":"d2fa4c7e1b3a9f0e5c6d8b7a9e0f1c2d3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e","ChannelType":"APNS",` +
	`"Attributes":{"interests":["cooking","hiking","jazz"],"plan":["premium"],"devices":["iphone"]},` +
	`"Demographic":{"AppVersion":"4.12.0","Locale":"en_US","Make":"Apple","Model":"iPhone15,2","Platform":"ios",` +
	`"PlatformVersion":"17.4.1","Timezone":"America/New_York"},"EffectiveDate":"2026-11-29T19:00:00.000Z",` +
	`"EndpointStatus":"ACTIVE","Location":{"City":"Boston","Country":"USA","Latitude":42.4,"Longitude":-71.1,` +
	`"PostalCode":"02110","Region":"MA"},"OptOut":"NONE",` +
	`"User":{"UserAttributes":{"tier":["gold"],` +
	`"team":["blue"]},"UserId":"user-0001"}}`)

// benchRequest is a PUT UpdateEndpoint as aws-sdk-go-v2 sends it.
func benchRequest(b *testing.B) *http.Request {
	c := clientRequest(b, "PUT", "http://127.0.0.1:8080/v1/apps/0123456789abcdef0123456789abcdef/endpoints/ep%2F0001",
		benchBody, "application/json")
	c.Header.Set("Amz-Sdk-Invocation-Id", "4c5e3b8e-0f4a-4b6e-9d8e-2f1b0c7a9e11")
	c.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	c.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 md/GOOS#linux api/pinpoint#1.39.25")
	sdkSign(b, c, benchBody, testRegion, now)
	return received(b, c, benchBody)
}

func BenchmarkVerify(b *testing.B) {
	if len(benchBody) < 550 || len(benchBody) > 650 {
		b.Fatalf("body is %d bytes", len(benchBody))
	}
	v := newVerifier()
	r := benchRequest(b)
	ctx := context.Background()
	if _, err := v.Verify(ctx, r, benchBody); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if _, err := v.Verify(ctx, r, benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRefused measures the cheapest refusal, a bad signature.
func BenchmarkVerifyRefused(b *testing.B) {
	v := newVerifier()
	r := benchRequest(b)
	a := []byte(r.Header.Get("Authorization"))
	a[len(a)-1] ^= 1
	r.Header.Set("Authorization", string(a))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r, benchBody); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	s := newSigner(now)
	r := clientRequest(b, "PUT", "http://127.0.0.1:8080/v1/apps/0123456789abcdef0123456789abcdef/endpoints/ep%2F0001",
		nil, "application/json")
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if err := s.Sign(r, benchBody); err != nil {
			b.Fatal(err)
		}
	}
}
