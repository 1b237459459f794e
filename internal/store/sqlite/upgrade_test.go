package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// Databases written by earlier versions hold endpoint documents as JSON. They must read the same,
// and an update must carry their content over (and store the binary form).
func TestJSONDocumentsOfEarlierVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := pinpoint.App{ID: "app1", Account: testAccount, Name: "a", CreationDate: "2026-11-29T00:00:00.000Z"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	s.Close()

	old := pinpoint.Endpoint{ID: "e1", ApplicationID: "app1", Address: "a1", ChannelType: "GCM", EndpointStatus: "ACTIVE",
		OptOut: "NONE", CreationDate: "2026-01-01T00:00:00.000Z", EffectiveDate: "2026-01-01T00:00:00.000Z",
		Attributes: map[string][]string{"x": {"1"}}, Location: &pinpoint.Location{City: "Oslo"}}
	doc, err := store.EncodeEndpoint(&old)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector{path: path})
	_, err = db.Exec(`INSERT INTO endpoints (app_id, id, address, channel_type, status, user_id, effective_date, doc)
		VALUES ('app1', 'e1', 'a1', 'GCM', 'ACTIVE', '', ?, ?)`, old.EffectiveDate, doc)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetEndpoint(t.Context(), testAccount, "app1", "e1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != "a1" || got.Location == nil || got.Location.City != "Oslo" || len(got.Attributes["x"]) != 1 {
		t.Fatalf("JSON document read as %+v", got)
	}
	if _, err := s.WriteEndpoints(t.Context(), testAccount, "app1", []store.EndpointWrite{patch("e1", pinpoint.EndpointRequest{Attributes: map[string][]string{"y": {"2"}}})}, true); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetEndpoint(t.Context(), testAccount, "app1", "e1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Location == nil || got.Location.City != "Oslo" || len(got.Attributes) != 2 || got.CreationDate != old.CreationDate {
		t.Errorf("after an update: %+v", got)
	}
	var first []byte
	if err := s.reader.QueryRowContext(t.Context(), "SELECT substr(doc, 1, 1) FROM endpoints WHERE id = 'e1'").Scan(&first); err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || first[0] != 0x01 {
		t.Errorf("updated document starts with %q, want the binary form", first)
	}
}
