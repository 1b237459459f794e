package jobs

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"pinpointd/internal/pinpoint"
)

// Row is one endpoint definition of an import file: an EndpointRequest with the endpoint's Id,
// and the CreationDate that files exported from Pinpoint carry (kept when the endpoint is new).
type Row struct {
	ID           *string `json:"Id"`
	CreationDate *string `json:"CreationDate"`
	pinpoint.EndpointRequest
}

// rowReader yields the rows of one file. Next returns the row and its line number; a row error
// (err != nil, row == nil) is that row's failure and reading goes on; io.EOF ends the file; a
// *fileError means the rest of the file cannot be read.
type rowReader interface {
	Next() (row *Row, line int, err error)
}

// fileError is a failure of a whole file (unreadable, bad header).
type fileError struct{ err error }

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// maxLine bounds one line of a JSON file: an endpoint is at most 15 KB serialized, and a line
// may carry the user's attributes as well.
const maxLine = 1 << 20

// jsonRows reads newline-delimited JSON: one endpoint object per line; blank lines are skipped.
type jsonRows struct {
	r    *bufio.Reader
	buf  []byte
	line int
}

func newJSONRows(r io.Reader) *jsonRows { return &jsonRows{r: bufio.NewReaderSize(r, 256<<10)} }

func (j *jsonRows) Next() (*Row, int, error) {
	for {
		b, tooLong, err := j.readLine()
		if err == io.EOF {
			return nil, j.line, io.EOF
		}
		if err != nil {
			return nil, j.line, &fileError{err}
		}
		j.line++
		if tooLong {
			return nil, j.line, fmt.Errorf("the line is longer than %d bytes", maxLine)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if bytes.Contains(b, []byte(`\u0000`)) {
			return nil, j.line, errors.New("strings must not contain NUL (\\u0000)")
		}
		var row Row
		if err := json.Unmarshal(b, &row); err != nil {
			return nil, j.line, fmt.Errorf("not an endpoint JSON object: %v", err)
		}
		return &row, j.line, nil
	}
}

// readLine returns the next line (without more than maxLine bytes of it; tooLong tells), or io.EOF
// after the last one.
func (j *jsonRows) readLine() (line []byte, tooLong bool, err error) {
	j.buf = j.buf[:0]
	for {
		b, err := j.r.ReadSlice('\n')
		if len(j.buf)+len(b) <= maxLine {
			j.buf = append(j.buf, b...)
		} else {
			tooLong = true
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(j.buf) == 0 && !tooLong:
			return nil, false, io.EOF
		case err != nil && err != io.EOF:
			return nil, false, err
		}
		return j.buf, tooLong, nil
	}
}

// csvRows reads CSV with a header of dotted paths (Address, Attributes.interests,
// User.UserAttributes.name, …); a header repeated adds values to the same attribute.
type csvRows struct {
	r    *csv.Reader
	cols []csvColumn
}

// csvColumn sets one cell's value in a row.
type csvColumn struct {
	name string
	set  func(r *Row, v string) error
}

func newCSVRows(r io.Reader) (*csvRows, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 256<<10))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &fileError{errors.New("the file is empty: a CSV file starts with a header line")}
	}
	if err != nil {
		return nil, &fileError{fmt.Errorf("cannot read the header line: %w", err)}
	}
	c := &csvRows{r: cr}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // a byte-order mark
		}
		set, err := csvSetter(h)
		if err != nil {
			return nil, &fileError{fmt.Errorf("header column %d %q: %w", i+1, h, err)}
		}
		c.cols = append(c.cols, csvColumn{name: h, set: set})
	}
	cr.FieldsPerRecord = len(header)
	return c, nil
}

func (c *csvRows) Next() (*Row, int, error) {
	rec, err := c.r.Read()
	line, _ := c.r.FieldPos(0)
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, line, io.EOF
	case errors.As(err, &pe):
		return nil, pe.StartLine, fmt.Errorf("malformed CSV: %v", pe.Err)
	case err != nil:
		return nil, line, &fileError{err}
	}
	row := &Row{}
	for i, v := range rec {
		if v == "" {
			continue
		}
		if err := c.cols[i].set(row, v); err != nil {
			return nil, line, fmt.Errorf("%s: %w", c.cols[i].name, err)
		}
	}
	return row, line, nil
}

// csvSetter returns how a column with header h sets a row.
func csvSetter(h string) (func(r *Row, v string) error, error) {
	str := func(get func(r *Row) **string) func(r *Row, v string) error {
		return func(r *Row, v string) error { s := v; *get(r) = &s; return nil }
	}
	num := func(get func(r *Row) **float64) func(r *Row, v string) error {
		return func(r *Row, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return fmt.Errorf("%q is not a number", v)
			}
			*get(r) = &f
			return nil
		}
	}
	demo := func(r *Row) *pinpoint.DemographicRequest {
		if r.Demographic == nil {
			r.Demographic = &pinpoint.DemographicRequest{}
		}
		return r.Demographic
	}
	loc := func(r *Row) *pinpoint.LocationRequest {
		if r.Location == nil {
			r.Location = &pinpoint.LocationRequest{}
		}
		return r.Location
	}
	user := func(r *Row) *pinpoint.UserRequest {
		if r.User == nil {
			r.User = &pinpoint.UserRequest{}
		}
		return r.User
	}
	switch h {
	case "Id":
		return str(func(r *Row) **string { return &r.ID }), nil
	case "CreationDate":
		return str(func(r *Row) **string { return &r.CreationDate }), nil
	case "Address":
		return str(func(r *Row) **string { return &r.Address }), nil
	case "ChannelType":
		return str(func(r *Row) **string { return &r.ChannelType }), nil
	case "OptOut":
		return str(func(r *Row) **string { return &r.OptOut }), nil
	case "EffectiveDate":
		return str(func(r *Row) **string { return &r.EffectiveDate }), nil
	case "EndpointStatus":
		return str(func(r *Row) **string { return &r.EndpointStatus }), nil
	case "RequestId":
		return str(func(r *Row) **string { return &r.RequestID }), nil
	case "User.UserId":
		return str(func(r *Row) **string { return &user(r).UserID }), nil
	case "Demographic.AppVersion":
		return str(func(r *Row) **string { return &demo(r).AppVersion }), nil
	case "Demographic.Locale":
		return str(func(r *Row) **string { return &demo(r).Locale }), nil
	case "Demographic.Make":
		return str(func(r *Row) **string { return &demo(r).Make }), nil
	case "Demographic.Model":
		return str(func(r *Row) **string { return &demo(r).Model }), nil
	case "Demographic.ModelVersion":
		return str(func(r *Row) **string { return &demo(r).ModelVersion }), nil
	case "Demographic.Platform":
		return str(func(r *Row) **string { return &demo(r).Platform }), nil
	case "Demographic.PlatformVersion":
		return str(func(r *Row) **string { return &demo(r).PlatformVersion }), nil
	case "Demographic.Timezone":
		return str(func(r *Row) **string { return &demo(r).Timezone }), nil
	case "Location.City":
		return str(func(r *Row) **string { return &loc(r).City }), nil
	case "Location.Country":
		return str(func(r *Row) **string { return &loc(r).Country }), nil
	case "Location.PostalCode":
		return str(func(r *Row) **string { return &loc(r).PostalCode }), nil
	case "Location.Region":
		return str(func(r *Row) **string { return &loc(r).Region }), nil
	case "Location.Latitude":
		return num(func(r *Row) **float64 { return &loc(r).Latitude }), nil
	case "Location.Longitude":
		return num(func(r *Row) **float64 { return &loc(r).Longitude }), nil
	}
	if name, ok := strings.CutPrefix(h, "Attributes."); ok && name != "" {
		return func(r *Row, v string) error {
			if r.Attributes == nil {
				r.Attributes = map[string][]string{}
			}
			r.Attributes[name] = append(r.Attributes[name], v)
			return nil
		}, nil
	}
	if name, ok := strings.CutPrefix(h, "User.UserAttributes."); ok && name != "" {
		return func(r *Row, v string) error {
			u := user(r)
			if u.UserAttributes == nil {
				u.UserAttributes = map[string][]string{}
			}
			u.UserAttributes[name] = append(u.UserAttributes[name], v)
			return nil
		}, nil
	}
	if name, ok := strings.CutPrefix(h, "Metrics."); ok && name != "" {
		return func(r *Row, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return fmt.Errorf("%q is not a number", v)
			}
			if r.Metrics == nil {
				r.Metrics = map[string]*float64{}
			}
			r.Metrics[name] = &f
			return nil
		}, nil
	}
	return nil, errors.New("not an endpoint field (Address, ChannelType, Id, Attributes.<name>, Metrics.<name>, User.UserId, User.UserAttributes.<name>, Demographic.<field>, Location.<field>, …)")
}
