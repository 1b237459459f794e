package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// The steps of AWS Signature Version 4 shared by Verifier and Signer, one
// function per step of the specification
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// They append to a caller's buffer so that a verification allocates little.

const (
	algorithm    = "AWS4-HMAC-SHA256"
	terminator   = "aws4_request"
	amzDateShape = "20060102T150405Z"
	unsigned     = "UNSIGNED-PAYLOAD"
	// emptySHA256 is hex(sha256("")), the payload hash of a body-less request.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

const upperhex = "0123456789ABCDEF"

// unreserved reports the RFC 3986 unreserved characters, the only ones SigV4
// leaves unencoded.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendURIEncode appends s URI-encoded the SigV4 way: unreserved characters
// as they are, '/' as it is when keepSlash, everything else as %XX with
// uppercase hex (so a space is %20, never '+').
func appendURIEncode[T string | []byte](dst []byte, s T, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && keepSlash {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperhex[c>>4], upperhex[c&15])
	}
	return dst
}

// appendCanonicalURI appends the canonical URI of a request whose path, as
// sent on the wire, is escapedPath. Every SDK except S3's encodes the
// already-escaped path a second time: "/a%2Fb" is signed as "/a%252Fb".
func appendCanonicalURI(dst []byte, escapedPath string) []byte {
	if escapedPath == "" {
		return append(dst, '/')
	}
	return appendURIEncode(dst, escapedPath, true)
}

// needsNormalizing reports whether normalizePath would change p: it has an
// empty, "." or ".." segment.
func needsNormalizing(p string) bool {
	return strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") ||
		p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")
}

// normalizePath removes "." and ".." segments and collapses repeated slashes,
// keeping a leading and (when anything is left) a trailing slash. It is
// botocore's remove_dot_segments, which the AWS SDK for JavaScript v3 also
// applies before the second encoding; aws-sdk-go-v2 does not normalise.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := make([]string, 0, 8)
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	var b strings.Builder
	b.Grow(len(p))
	if p[0] == '/' {
		b.WriteByte('/')
	}
	for i, seg := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(seg)
	}
	if p[len(p)-1] == '/' && len(segs) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// queryParam locates one encoded name=value pair inside a scratch buffer.
type queryParam struct{ k0, k1, v1 int }

// appendCanonicalQuery appends the canonical query string of rawQuery: each
// '&'-separated pair is split at the first '=' (a missing '=' means an empty
// value), name and value are percent-decoded ('+' is a space, as url.ParseQuery
// has it, because aws-sdk-go-v2 signs a decoded url.Values) and re-encoded the
// SigV4 way, and the pairs are sorted by encoded name, then encoded value.
// A name or value that is not valid percent-encoding is encoded as the literal
// text it is, so it can only match a signer that did the same. Empty pairs
// ("a=1&&b=2") are skipped, as url.ParseQuery skips them.
func appendCanonicalQuery(dst []byte, rawQuery string) []byte {
	if rawQuery == "" {
		return dst
	}
	var (
		encArr [512]byte
		parArr [16]queryParam
		decArr [128]byte
	)
	enc, params, dec := encArr[:0], parArr[:0], decArr[:0]
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		var p queryParam
		p.k0 = len(enc)
		dec = appendQueryUnescape(dec[:0], name)
		enc = appendURIEncode(enc, dec, false)
		p.k1 = len(enc)
		dec = appendQueryUnescape(dec[:0], value)
		enc = appendURIEncode(enc, dec, false)
		p.v1 = len(enc)
		params = append(params, p)
	}
	slices.SortFunc(params, func(a, b queryParam) int {
		if c := bytes.Compare(enc[a.k0:a.k1], enc[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.k1:a.v1], enc[b.k1:b.v1])
	})
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, enc[p.k0:p.k1]...)
		dst = append(dst, '=')
		dst = append(dst, enc[p.k1:p.v1]...)
	}
	return dst
}

// appendQueryUnescape appends the decoded form of s, or s itself when s is not
// valid percent-encoding.
func appendQueryUnescape(dst []byte, s string) []byte {
	start := len(dst)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				return append(dst[:start], s...)
			}
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// appendHeaderValue appends one header value in canonical form: surrounding
// whitespace trimmed and each run of spaces collapsed to one, exactly as
// aws-sdk-go-v2 does (StripExcessSpaces, then strings.TrimSpace).
func appendHeaderValue(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}

// appendStringToSign appends
//
//	AWS4-HMAC-SHA256 \n X-Amz-Date \n date/region/service/aws4_request \n hex(sha256(canonical request))
func appendStringToSign(dst []byte, amzDate, scope string, canonicalRequest []byte) []byte {
	sum := sha256.Sum256(canonicalRequest)
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}

// deriveSigningKey is the HMAC chain "AWS4"+secret → date → region → service
// → "aws4_request".
func deriveSigningKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k[:], region)
	k = hmacSHA256(k[:], service)
	return hmacSHA256(k[:], terminator)
}

func hmacSHA256(key []byte, msg string) [sha256.Size]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// signature is hmac(signingKey, stringToSign), the raw 32 bytes (the wire form
// is their lowercase hex).
func signature(key *[sha256.Size]byte, stringToSign []byte) [sha256.Size]byte {
	m := hmac.New(sha256.New, key[:])
	m.Write(stringToSign)
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// parseAmzDate parses the ISO 8601 basic form "20060102T150405Z" without
// allocating; it refuses anything time.Date would have to normalise.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateShape) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(4, 6)
	day, ok3 := num(6, 8)
	hour, ok4 := num(9, 11)
	minute, ok5 := num(11, 13)
	sec, ok6 := num(13, 15)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 31 April and the like
		return time.Time{}, false
	}
	return t, true
}
