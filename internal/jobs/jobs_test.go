package jobs

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pinpointd/internal/pinpoint"
)

func TestCSVRows(t *testing.T) {
	in := "\ufeffId,Attributes.a,Attributes.a,User.UserAttributes.n,Metrics.m,Location.Latitude,Demographic.Locale\n" +
		`e1,"x, y",z,"q ""uoted""",2.5,1.25,en_US` + "\n" +
		"e2,,,,,,\n" +
		"e3,,,,oops,,\n" +
		"e4,too,few\n" +
		"e5,\"a\nb\",,,,,\n"
	c, err := newCSVRows(strings.NewReader(in))
	if err != nil {
		t.Fatalf("newCSVRows: %v", err)
	}
	type out struct {
		json string
		line int
		err  string
	}
	var got []out
	for {
		row, line, err := c.Next()
		if err == io.EOF {
			break
		}
		o := out{line: line}
		if err != nil {
			o.err = err.Error()
		} else {
			b, _ := json.Marshal(row)
			o.json = string(b)
		}
		got = append(got, o)
	}
	want := []out{
		{line: 2, json: `{"Id":"e1","CreationDate":null,"Address":null,"Attributes":{"a":["x, y","z"]},"ChannelType":null,"Demographic":{"AppVersion":null,"Locale":"en_US","Make":null,"Model":null,"ModelVersion":null,"Platform":null,"PlatformVersion":null,"Timezone":null},"EffectiveDate":null,"EndpointStatus":null,"Location":{"City":null,"Country":null,"Latitude":1.25,"Longitude":null,"PostalCode":null,"Region":null},"Metrics":{"m":2.5},"OptOut":null,"RequestId":null,"User":{"UserAttributes":{"n":["q \"uoted\""]},"UserId":null}}`},
		{line: 3, json: `{"Id":"e2","CreationDate":null,"Address":null,"Attributes":null,"ChannelType":null,"Demographic":null,"EffectiveDate":null,"EndpointStatus":null,"Location":null,"Metrics":null,"OptOut":null,"RequestId":null,"User":null}`},
		{line: 4, err: `Metrics.m: "oops" is not a number`},
		{line: 5, err: "malformed CSV: wrong number of fields"},
		{line: 6, json: `{"Id":"e5","CreationDate":null,"Address":null,"Attributes":{"a":["a\nb"]},"ChannelType":null,"Demographic":null,"EffectiveDate":null,"EndpointStatus":null,"Location":null,"Metrics":null,"OptOut":null,"RequestId":null,"User":null}`},
	}
	if len(got) != len(want) {
		t.Fatalf("rows: got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestCSVHeaderRefused(t *testing.T) {
	for _, h := range []string{"", "Id,Colour", "Attributes.", "User.UserAttributes.", "Metrics."} {
		_, err := newCSVRows(strings.NewReader(h + "\n"))
		var fe *fileError
		if !errors.As(err, &fe) {
			t.Errorf("header %q: got %v, want a file error", h, err)
		}
	}
}

func TestJSONRows(t *testing.T) {
	long := `{"Id":"` + strings.Repeat("x", maxLine) + `"}`
	in := `{"Id":"a"}` + "\n\n  \n" + `{"Id":` + "\n" + long + "\n" + `{"Id":"b","CreationDate":"2020-01-02T03:04:05.678Z"}`
	r := newJSONRows(strings.NewReader(in))
	var got []string
	for {
		row, line, err := r.Next()
		if err == io.EOF {
			break
		}
		switch {
		case err != nil:
			got = append(got, strings.Split(err.Error(), ":")[0]+"@"+itoa(line))
		default:
			got = append(got, *row.ID+"@"+itoa(line))
		}
	}
	want := "a@1 not an endpoint JSON object@4 the line is longer than 1048576 bytes@5 b@6"
	if strings.Join(got, " ") != want {
		t.Errorf("rows: got %q, want %q", strings.Join(got, " "), want)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestFormatOf(t *testing.T) {
	for key, want := range map[string]string{
		"a/b.csv": "CSV", "B.CSV": "CSV", "x.csv.gz": "CSV", "x.json": "JSON", "x.jsonl": "JSON",
		"x.ndjson": "JSON", "export/1.gz": "JSON", "x.json.gz": "JSON", "x.txt": "", "README": "",
	} {
		if got := formatOf(key); got != want {
			t.Errorf("formatOf(%q): got %q, want %q", key, got, want)
		}
	}
}

// TestParseConfines checks that file:// URLs stay inside the allowed directories, whatever
// symbolic links or '..' say.
func TestParseConfines(t *testing.T) {
	allowed, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(allowed, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(allowed, "in"), filepath.Join(outside, "back")); err != nil {
		t.Fatal(err)
	}
	st, err := NewStorage(S3Config{}, []string{allowed})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"file://" + allowed, true},
		{"file://" + allowed + "/new/dir/", true},
		{"file://localhost" + allowed + "/x.csv", true},
		{"file://" + allowed + "/out/x", false},
		{"file://" + allowed + "/../x", false},
		{"file://" + outside + "/back", false},
		{"file://" + filepath.Dir(allowed), false},
		{"file://" + allowed + "x", false},
		{"file://host/" + allowed, false},
		{"s3://bucket/key", true},
		{"s3://bucket", true},
		{"s3:///key", false},
		{"https://bucket/key", false},
		{"bucket/key", false},
	} {
		_, err := st.Parse("S3Url", c.url)
		if (err == nil) != c.ok {
			t.Errorf("Parse(%q): got %v, want ok=%v", c.url, err, c.ok)
		}
		if err != nil && pinpoint.ErrorCode(err) != pinpoint.CodeBadRequest {
			t.Errorf("Parse(%q): got %v, want a BadRequestException", c.url, err)
		}
	}
	none, err := NewStorage(S3Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Parse("S3Url", "file://"+allowed); err == nil || !strings.Contains(err.Error(), "--job-dirs") {
		t.Errorf("Parse of file:// without --job-dirs: got %v, want a refusal naming --job-dirs", err)
	}
}
