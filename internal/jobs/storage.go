package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"pinpointd/internal/pinpoint"
)

// S3Config says how to reach an S3-compatible service. The zero value reaches AWS S3 in us-east-1
// without credentials.
type S3Config struct {
	Endpoint  string // base URL, e.g. http://127.0.0.1:9000; "" for AWS
	Region    string // default us-east-1
	PathStyle bool   // bucket in the path rather than the host name (MinIO, most self-hosted services)
	// AccessKeyID and SecretAccessKey sign requests (SessionToken too, when set); empty: anonymous.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Storage opens the places jobs read from and write to: s3:// URLs on the configured
// S3-compatible service, and file:// URLs inside the directories the operator allowed.
// It is safe for concurrent use.
type Storage struct {
	s3   *s3.Client
	dirs []string // allowed directories, absolute, symlinks resolved
}

// NewStorage returns a Storage for the S3 service c and the allowed directories dirs (file://
// URLs are refused when dirs is empty). Each directory must exist.
func NewStorage(c S3Config, dirs []string) (*Storage, error) {
	st := &Storage{}
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			return nil, fmt.Errorf("job directory %q must be an absolute path", d)
		}
		real, err := filepath.EvalSymlinks(d)
		if err != nil {
			return nil, fmt.Errorf("job directory %q: %w", d, err)
		}
		if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("job directory %q is not a directory", d)
		}
		st.dirs = append(st.dirs, filepath.Clean(real))
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	o := s3.Options{
		Region:       region,
		UsePathStyle: c.PathStyle,
		// S3-compatible services often lack the newer flexible checksums; send and check them only
		// where S3 requires them.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if c.Endpoint != "" {
		o.BaseEndpoint = aws.String(c.Endpoint)
	}
	if c.AccessKeyID != "" {
		o.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	} else {
		o.Credentials = aws.AnonymousCredentials{}
	}
	st.s3 = s3.New(o)
	return st, nil
}

// Location is a parsed job URL: s3://bucket/key or file:///absolute/path.
type Location struct {
	Scheme string // "s3" or "file"
	Bucket string // s3 only
	Path   string // the S3 key (prefix) without a leading slash, or the cleaned absolute file path
	raw    string
}

func (l Location) String() string { return l.raw }

// Parse checks a job URL named by field (S3Url, S3UrlPrefix) and returns its location: an s3://
// URL with a bucket, or a file:// URL with an absolute path inside an allowed directory (with no
// ".." element and no symbolic link leading out of it). Any other URL is a BadRequestException
// naming field and the URL.
func (st *Storage) Parse(field, raw string) (Location, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Location{}, pinpoint.BadRequest("%s %q must be an s3://bucket/prefix or file:///absolute/path URL", field, raw)
	}
	switch scheme {
	case "s3":
		bucket, key, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return Location{}, pinpoint.BadRequest("%s %q names no bucket", field, raw)
		}
		return Location{Scheme: "s3", Bucket: bucket, Path: key, raw: raw}, nil
	case "file":
		u, err := url.Parse(raw)
		if err != nil || u.Host != "" && u.Host != "localhost" || u.RawQuery != "" || u.Fragment != "" {
			return Location{}, pinpoint.BadRequest("%s %q must be file:///absolute/path (no host, query or fragment)", field, raw)
		}
		if len(st.dirs) == 0 {
			return Location{}, pinpoint.BadRequest("%s %q: file:// URLs are disabled; start pinpointd with --job-dirs to allow directories", field, raw)
		}
		p := u.Path
		if !filepath.IsAbs(p) || slices.Contains(strings.Split(p, "/"), "..") {
			return Location{}, pinpoint.BadRequest("%s %q must be an absolute path without '..'", field, raw)
		}
		p = filepath.Clean(p)
		if _, err := st.confine(p); err != nil {
			return Location{}, pinpoint.BadRequest("%s %q is outside the directories this server allows (--job-dirs)", field, raw)
		}
		return Location{Scheme: "file", Path: p, raw: raw}, nil
	}
	return Location{}, pinpoint.BadRequest("%s %q: the scheme %q is not supported; use s3:// or file://", field, raw, scheme)
}

// confine resolves the symbolic links of p (of its longest existing ancestor, for a path that
// does not exist yet) and returns the real path when it lies inside an allowed directory.
func (st *Storage) confine(p string) (string, error) {
	existing, missing := p, ""
	for {
		real, err := filepath.EvalSymlinks(existing)
		if err == nil {
			real = filepath.Join(real, missing)
			for _, d := range st.dirs {
				if real == d || strings.HasPrefix(real, d+string(filepath.Separator)) {
					return real, nil
				}
			}
			return "", fmt.Errorf("%s is outside the allowed directories", p)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return "", err
		}
		missing = filepath.Join(filepath.Base(existing), missing)
		existing = parent
	}
}

// List returns the objects an import reads at l, sorted: l itself when it is an object (a file;
// single is then true), else every object under it as a folder, subfolders included. An error
// means the location could not be read (missing bucket or directory, no permission); an empty
// folder is no error.
func (st *Storage) List(ctx context.Context, l Location) (keys []string, single bool, err error) {
	if l.Scheme == "file" {
		real, err := st.confine(l.Path)
		if err != nil {
			return nil, false, err
		}
		fi, err := os.Stat(real)
		if err != nil {
			return nil, false, err
		}
		if !fi.IsDir() {
			return []string{real}, true, nil
		}
		var out []string
		err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				out = append(out, p)
			}
			return nil
		})
		slices.Sort(out)
		return out, false, err
	}
	if l.Path != "" && !strings.HasSuffix(l.Path, "/") {
		_, err := st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &l.Bucket, Key: &l.Path})
		if err == nil {
			return []string{l.Path}, true, nil
		}
		var nf *s3types.NotFound
		var nk *s3types.NoSuchKey
		if !errors.As(err, &nf) && !errors.As(err, &nk) {
			return nil, false, err
		}
	}
	prefix := l.Path
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	var out []string
	p := s3.NewListObjectsV2Paginator(st.s3, &s3.ListObjectsV2Input{Bucket: &l.Bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, false, err
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); !strings.HasSuffix(k, "/") {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out, false, nil
}

// Open opens an object List returned.
func (st *Storage) Open(ctx context.Context, l Location, key string) (io.ReadCloser, error) {
	if l.Scheme == "file" {
		real, err := st.confine(key)
		if err != nil {
			return nil, err
		}
		return os.Open(real)
	}
	out, err := st.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &l.Bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	return out.Body, nil
}

// Put writes the object name under the folder l, replacing it whole: a reader sees the old
// object or the new one, never a part (files are written aside and renamed; S3 puts are atomic).
func (st *Storage) Put(ctx context.Context, l Location, name string, body []byte) error {
	if l.Scheme == "file" {
		p := filepath.Join(l.Path, filepath.FromSlash(name))
		real, err := st.confine(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(real), ".piece-*")
		if err != nil {
			return err
		}
		_, err = tmp.Write(body)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), real)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
		return err
	}
	key := strings.TrimSuffix(l.Path, "/")
	if key != "" {
		key += "/"
	}
	key += name
	_, err := st.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &l.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/gzip"),
	})
	return err
}

// URL names an object of l for messages.
func (l Location) URL(key string) string {
	if l.Scheme == "file" {
		return "file://" + key
	}
	return "s3://" + l.Bucket + "/" + key
}
