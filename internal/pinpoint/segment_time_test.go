package pinpoint

import (
	"testing"
	"time"
)

// instantInputs are strings a date operator may meet in endpoint attributes.
var instantInputs = []string{
	"2026-03-15", "2026-03-15T10:00:00Z", "2026-03-15T10:00:00.5Z", "2026-03-15T10:00:00.123456789Z",
	"2026-03-15T10:00:00.1234567891Z", "2026-03-15T10:00:00,5Z", "2026-03-15T10:00:00+02:00",
	"2026-03-15T10:00:00.250-07:30", "2026-03-15T10:00:00", "2026-03-15T10:00:00.5", "2026-03-15T10:00Z",
	"2026-03-15T10:00+05:45", "2026-03-15T10:00", "2026-03-15T24:00:00Z", "2026-03-15T10:60:00Z",
	"2026-03-15T10:00:60Z", "2026-02-29", "2024-02-29", "2100-02-29", "2000-02-29", "2026-04-31",
	"2026-00-10", "2026-13-10", "2026-1-10", "2026-03-15t10:00:00z", "2026-03-15 10:00:00Z",
	"2026-03-15T10:00:00+0200", "2026-03-15T10:00:00+24:00", "2026-03-15T10:00:00-23:59",
	"2026-03-15T10:00:00.Z", "2026-03-15T10:00:00Z ", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
	"premium", "", "2026", "+2026-03-15", "2026-03-15T", "2026-03-15T10:00:00+02:00:00",
}

// TestParseInstantAgreesWithParseTime: the evaluator reads endpoint dates with parseInstant and
// segment dates with ParseTime; both must read every string alike.
func TestParseInstantAgreesWithParseTime(t *testing.T) {
	for _, s := range instantInputs {
		checkInstant(t, s)
	}
}

func FuzzParseInstant(f *testing.F) {
	for _, s := range instantInputs {
		f.Add(s)
	}
	f.Fuzz(checkInstant)
}

func checkInstant(t *testing.T, s string) {
	got, gotOK := parseInstant(s)
	want, wantOK := ParseTime(s)
	if gotOK != wantOK || !got.Equal(want) {
		t.Errorf("parseInstant(%q) = %v, %v; ParseTime = %v, %v", s, got, gotOK, want, wantOK)
	}
	if fast, ok := parseInstantFast(s); ok && (!wantOK || !fast.Equal(want)) {
		t.Errorf("parseInstantFast(%q) = %v; ParseTime = %v, %v", s, fast, want, wantOK)
	}
}

func TestParseInstantFastPathAllocatesNothing(t *testing.T) {
	for _, s := range []string{"2026-11-20T12:00:00.000Z", "2026-03-15", "2026-03-15T10:00:00-07:00"} {
		if _, ok := parseInstantFast(s); !ok {
			t.Errorf("parseInstantFast(%q) declined", s)
		}
		if n := testing.AllocsPerRun(100, func() { parseInstant(s) }); n != 0 {
			t.Errorf("parseInstant(%q) allocates %v times, want 0", s, n)
		}
	}
}

func TestUnixDay(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want int64
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1970, 1, 1, 23, 59, 59, 0, time.UTC), 0},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), -1},
		{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), -1},
		{time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), 1},
	} {
		if got := unixDay(tc.t); got != tc.want {
			t.Errorf("unixDay(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
}
