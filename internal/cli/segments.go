package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"pinpointd/internal/sigv4"
)

// segmentsCmd runs `pinpointd segments size|endpoints`: the GetSegmentSize and
// GetSegmentEndpoints extensions of a running server, signed with the standard AWS credential
// variables. size prints the server's JSON answer; endpoints prints every matching endpoint, one
// EndpointResponse JSON object per line, following the pages to the end.
func segmentsCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "size" && args[0] != "endpoints") {
		return errors.New("segments: want size or endpoints")
	}
	sub := args[0]
	fs := flag.NewFlagSet("segments "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint-url", envOr(env, "AWS_ENDPOINT_URL", "http://127.0.0.1:8080"), "base URL of the server (env AWS_ENDPOINT_URL)")
	app := fs.String("app", "", "application ID (required)")
	segment := fs.String("segment", "", "segment ID (required)")
	version := fs.Int("version", 0, "segment version (default: the latest)")
	pageSize := fs.Int("page-size", 100, "endpoints per request (endpoints; 1 to 100)")
	region := fs.String("region", envOr(env, "AWS_REGION", envOr(env, "AWS_DEFAULT_REGION", defaultRegion)), "signing region (env AWS_REGION, AWS_DEFAULT_REGION)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case *app == "" || *segment == "":
		return fmt.Errorf("segments %s: --app and --segment are required", sub)
	case *version < 0:
		return fmt.Errorf("segments %s: --version must be positive", sub)
	case *pageSize < 1 || *pageSize > 100:
		return fmt.Errorf("segments %s: --page-size must be 1 to 100", sub)
	}
	keyID, secret := env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")
	if keyID == "" || secret == "" {
		return fmt.Errorf("segments %s: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", sub)
	}
	c := &segmentsClient{
		base:   *endpoint,
		signer: &sigv4.Signer{AccessKeyID: keyID, Secret: secret, Region: *region, Service: "mobiletargeting"},
		http:   &http.Client{Timeout: 10 * time.Minute},
	}
	path := "/v1/apps/" + url.PathEscape(*app) + "/segments/" + url.PathEscape(*segment) + "/" + sub
	q := url.Values{}
	if *version > 0 {
		q.Set("version", strconv.Itoa(*version))
	}
	if sub == "size" {
		body, err := c.get(ctx, path, q)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", body)
		return err
	}
	q.Set("page-size", strconv.Itoa(*pageSize))
	for {
		body, err := c.get(ctx, path, q)
		if err != nil {
			return err
		}
		var page struct {
			Item      []json.RawMessage
			NextToken string
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("segments endpoints: unexpected answer: %w", err)
		}
		for _, e := range page.Item {
			if _, err := fmt.Fprintf(stdout, "%s\n", e); err != nil {
				return err
			}
		}
		if page.NextToken == "" {
			return nil
		}
		q.Set("token", page.NextToken)
	}
}

type segmentsClient struct {
	base   string
	signer *sigv4.Signer
	http   *http.Client
}

// get sends a signed GET and returns the body of a 200 answer; any other answer is an error
// carrying the server's error code and message.
func (c *segmentsClient) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	if err := c.signer.Sign(req, nil); err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("segments: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		json.Unmarshal(body, &e)
		if e.Message == "" {
			e.Message = string(bytes.TrimSpace(body))
		}
		return nil, fmt.Errorf("segments: %s %s: %d %s: %s", req.Method, path, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), e.Message)
	}
	return bytes.TrimSpace(body), nil
}
