package sigv4_test

import (
	"testing"

	"pinpointd/internal/sigv4"
)

// TestSigningHosts: a request signed for another host than the one it reached is accepted only
// when that host is one of SigningHosts (with {region} from the credential scope), and only with
// the key's secret.
func TestSigningHosts(t *testing.T) {
	hosts := []string{"pinpoint.{region}.amazonaws.com"}
	body := []byte(`{"BatchItem":{}}`)
	// signedFor signs a request for host and delivers it to 127.0.0.1:8080, as a fetch wrapper does.
	signedFor := func(s *sigv4.Signer, host string) func(*testing.T) error {
		return func(t *testing.T) error {
			c := clientRequest(t, "POST", "https://"+host+"/v1/apps/app1/events", nil, "application/json")
			if err := s.Sign(c, body); err != nil {
				t.Fatal(err)
			}
			r := received(t, c, body)
			r.Host = "127.0.0.1:8080"
			v := newVerifier()
			v.SigningHosts = hosts
			_, err := v.Verify(t.Context(), r, body)
			return err
		}
	}
	euSigner := newSigner(now)
	euSigner.Region = "eu-west-1"
	wrongSecret := newSigner(now)
	wrongSecret.Secret = "not-the-secret"
	cases := []struct {
		name   string
		verify func(*testing.T) error
		code   string // "" = accepted
	}{
		{"listed host, scope region", signedFor(newSigner(now), "pinpoint.us-east-1.amazonaws.com"), ""},
		{"listed host, other scope region", signedFor(euSigner, "pinpoint.eu-west-1.amazonaws.com"), ""},
		{"listed host, region not the scope's", signedFor(newSigner(now), "pinpoint.eu-west-1.amazonaws.com"), sigv4.CodeInvalidSignature},
		{"host not listed", signedFor(newSigner(now), "mobiletargeting.us-east-1.amazonaws.com"), sigv4.CodeInvalidSignature},
		{"listed host, wrong secret", signedFor(wrongSecret, "pinpoint.us-east-1.amazonaws.com"), sigv4.CodeInvalidSignature},
		{"received host still accepted", func(t *testing.T) error {
			r := signed(t, newSigner(now), "POST", "http://127.0.0.1:8080/v1/apps/app1/events", body, "application/json")
			v := newVerifier()
			v.SigningHosts = hosts
			_, err := v.Verify(t.Context(), r, body)
			return err
		}, ""},
		{"no SigningHosts", func(t *testing.T) error {
			c := clientRequest(t, "POST", "https://pinpoint.us-east-1.amazonaws.com/v1/apps/app1/events", nil, "application/json")
			if err := newSigner(now).Sign(c, body); err != nil {
				t.Fatal(err)
			}
			r := received(t, c, body)
			r.Host = "127.0.0.1:8080"
			_, err := newVerifier().Verify(t.Context(), r, body)
			return err
		}, sigv4.CodeInvalidSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.verify(t)
			if c.code == "" {
				if err != nil {
					t.Fatalf("Verify: got %v, want nil", err)
				}
				return
			}
			wantCode(t, err, c.code)
		})
	}
}
