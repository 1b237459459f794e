package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func jobCases() []testCase {
	return []testCase{
		{"JobCreateGet", testJobCreateGet},
		{"JobListPaged", testJobListPaged},
		{"JobClaimLease", testJobClaimLease},
		{"JobClaimPerAccount", testJobClaimPerAccount},
		{"JobClaimConcurrent", testJobClaimConcurrent},
		{"JobDeletedWithApp", testJobDeletedWithApp},
	}
}

// job returns a new job of appA of acct1 created at hour h.
func job(id, typ string, h int) store.Job {
	return store.Job{
		AppID: appA, ID: id, Account: acct1, Type: typ, Status: pinpoint.JobCreated,
		Definition:   []byte(`{"RoleArn":"arn:aws:iam::1:role/r","S3UrlPrefix":"s3://b/p"}`),
		CreationDate: pinpoint.FormatTime(at(h)),
	}
}

func createJob(t *testing.T, s store.Store, j store.Job) {
	t.Helper()
	if err := s.CreateJob(t.Context(), j); err != nil {
		t.Fatalf("CreateJob(%s): got %v, want nil", j.ID, err)
	}
}

func checkJob(t *testing.T, what string, got, want store.Job) {
	t.Helper()
	if g, w := jsonOf(got), jsonOf(want); g != w {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func testJobCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct2, appB)
	exp := job("e1", pinpoint.JobTypeExport, 1)
	imp := job("i1", pinpoint.JobTypeImport, 2)
	imp.SegmentID = "seg1"
	imp.Definition = []byte(`{"DefineSegment":false,"Format":"CSV"}`)
	createJob(t, s, exp)
	createJob(t, s, imp)

	got, err := s.GetJob(ctx, acct1, appA, pinpoint.JobTypeExport, "e1")
	if err != nil {
		t.Fatalf("GetJob(e1): got %v, want nil", err)
	}
	checkJob(t, "GetJob(e1)", got, exp)
	got, err = s.GetJob(ctx, acct1, appA, pinpoint.JobTypeImport, "i1")
	if err != nil {
		t.Fatalf("GetJob(i1): got %v, want nil", err)
	}
	checkJob(t, "GetJob(i1)", got, imp)

	_, err = s.GetJob(ctx, acct1, appA, pinpoint.JobTypeImport, "e1")
	wantErr(t, "GetJob of an export job as an import job", err, store.ErrJobNotFound)
	_, err = s.GetJob(ctx, acct1, appA, pinpoint.JobTypeExport, "nope")
	wantErr(t, "GetJob of a missing job", err, store.ErrJobNotFound)
	_, err = s.GetJob(ctx, acct2, appA, pinpoint.JobTypeExport, "e1")
	wantErr(t, "GetJob through another account", err, store.ErrAppNotFound)
	wantErr(t, "CreateJob twice", s.CreateJob(ctx, exp), store.ErrExists)

	other := job("x1", pinpoint.JobTypeExport, 1)
	other.Account = acct2 // appA is acct1's
	wantErr(t, "CreateJob in another account's app", s.CreateJob(ctx, other), store.ErrAppNotFound)
	other.AppID = "c0000000000000000000000000000003"
	wantErr(t, "CreateJob in a missing app", s.CreateJob(ctx, other), store.ErrAppNotFound)
	if _, err := s.ListJobs(ctx, acct2, appA, pinpoint.JobTypeExport, "", store.JobCursor{}, 10); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("ListJobs through another account: got %v, want ErrAppNotFound", err)
	}
}

func jobIDs(js []store.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testJobListPaged(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	// Two jobs share a creation date: the ID breaks the tie.
	for i, h := range []int{1, 3, 2, 3, 5} {
		j := job(fmt.Sprintf("j%d", i), pinpoint.JobTypeImport, h)
		if i%2 == 0 {
			j.SegmentID = "seg"
		}
		createJob(t, s, j)
	}
	createJob(t, s, job("export", pinpoint.JobTypeExport, 4))

	var all []string
	after := store.JobCursor{}
	for range 10 {
		page, err := s.ListJobs(ctx, acct1, appA, pinpoint.JobTypeImport, "", after, 2)
		if err != nil {
			t.Fatalf("ListJobs: got %v, want nil", err)
		}
		all = append(all, jobIDs(page)...)
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		after = store.JobCursor{CreationDate: last.CreationDate, ID: last.ID}
	}
	if g, w := fmt.Sprint(all), "[j4 j3 j1 j2 j0]"; g != w {
		t.Errorf("import jobs paged by 2: got %s, want %s", g, w)
	}
	seg, err := s.ListJobs(ctx, acct1, appA, pinpoint.JobTypeImport, "seg", store.JobCursor{}, 10)
	if err != nil {
		t.Fatalf("ListJobs(segment): got %v, want nil", err)
	}
	if g, w := fmt.Sprint(jobIDs(seg)), "[j4 j2 j0]"; g != w {
		t.Errorf("import jobs of segment seg: got %s, want %s", g, w)
	}
	exp, err := s.ListJobs(ctx, acct1, appA, pinpoint.JobTypeExport, "", store.JobCursor{}, 10)
	if err != nil {
		t.Fatalf("ListJobs(export): got %v, want nil", err)
	}
	if g, w := fmt.Sprint(jobIDs(exp)), "[export]"; g != w {
		t.Errorf("export jobs: got %s, want %s", g, w)
	}
}

func claim(t *testing.T, s store.Store, owner string, now time.Time, perAccount int) *store.Job {
	t.Helper()
	j, err := s.ClaimJob(t.Context(), owner, now, now.Add(time.Minute), perAccount)
	if err != nil {
		t.Fatalf("ClaimJob(%s): got %v, want nil", owner, err)
	}
	return j
}

func claimedID(j *store.Job) string {
	if j == nil {
		return "<none>"
	}
	return j.ID
}

func testJobClaimLease(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	createJob(t, s, job("late", pinpoint.JobTypeImport, 2))
	createJob(t, s, job("early", pinpoint.JobTypeExport, 1))
	done := job("done", pinpoint.JobTypeExport, 0)
	done.Status = pinpoint.JobCompleted
	createJob(t, s, done)

	now := at(3)
	j := claim(t, s, "p1", now, 10)
	if claimedID(j) != "early" || j.Owner != "p1" || !j.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("first claim: got %+v, want job early owned by p1 until %v", j, now.Add(time.Minute))
	}
	if j := claim(t, s, "p2", now, 10); claimedID(j) != "late" {
		t.Fatalf("second claim: got %s, want late", claimedID(j))
	}
	if j := claim(t, s, "p3", now, 10); j != nil {
		t.Fatalf("third claim while both leases run: got %s, want none", j.ID)
	}

	// p1 reports progress, extending its lease.
	p := *j
	p.Status, p.TotalProcessed, p.CompletedPieces, p.TotalPieces = pinpoint.JobProcessing, 5, 1, 2
	p.Failures, p.TotalFailures = []string{"row 3: bad"}, 1
	p.Checkpoint = []byte(`{"done":1}`)
	p.LeaseUntil = now.Add(2 * time.Minute)
	if err := s.SaveJob(ctx, "p1", p); err != nil {
		t.Fatalf("SaveJob by the owner: got %v, want nil", err)
	}
	got, err := s.GetJob(ctx, acct1, appA, pinpoint.JobTypeExport, "early")
	if err != nil {
		t.Fatal(err)
	}
	checkJob(t, "job after SaveJob", got, p)

	// p1's lease ends: p3 takes the job over, and p1 can no longer save it.
	later := now.Add(2*time.Minute + time.Millisecond)
	j = claim(t, s, "p3", later, 10)
	if claimedID(j) != "early" || string(j.Checkpoint) != `{"done":1}` || j.TotalProcessed != 5 {
		t.Fatalf("claim after the lease ended: got %+v, want early with its checkpoint and counters", j)
	}
	p.TotalProcessed = 6
	wantErr(t, "SaveJob by the previous owner", s.SaveJob(ctx, "p1", p), store.ErrLeaseLost)

	// Finishing releases the lease; a done job is never claimed again.
	f := *j
	f.Status, f.CompletionDate = pinpoint.JobCompleted, pinpoint.FormatTime(later)
	if err := s.SaveJob(ctx, "p3", f); err != nil {
		t.Fatalf("SaveJob(COMPLETED): got %v, want nil", err)
	}
	got, err = s.GetJob(ctx, acct1, appA, pinpoint.JobTypeExport, "early")
	if err != nil {
		t.Fatal(err)
	}
	if got.Owner != "" || got.Status != pinpoint.JobCompleted || got.CompletionDate != f.CompletionDate {
		t.Errorf("finished job: got %+v, want COMPLETED without owner", got)
	}
	if j := claim(t, s, "p4", later.Add(time.Hour), 10); claimedID(j) != "late" {
		t.Errorf("claim after everything's lease ended: got %s, want late (early and done are done)", claimedID(j))
	}
	if j := claim(t, s, "p5", later.Add(time.Hour), 10); j != nil {
		t.Errorf("claim with nothing left: got %s, want none", j.ID)
	}
}

func testJobClaimPerAccount(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	newApp(t, s, acct2, appB)
	createJob(t, s, job("a1", pinpoint.JobTypeImport, 1))
	createJob(t, s, job("a2", pinpoint.JobTypeImport, 2))
	b := job("b1", pinpoint.JobTypeImport, 3)
	b.AppID, b.Account = appB, acct2
	createJob(t, s, b)

	now := at(4)
	if j := claim(t, s, "p", now, 1); claimedID(j) != "a1" {
		t.Fatalf("first claim: got %s, want a1", claimedID(j))
	}
	if j := claim(t, s, "p", now, 1); claimedID(j) != "b1" {
		t.Fatalf("second claim with acct1 at its limit of 1: got %s, want b1", claimedID(j))
	}
	if j := claim(t, s, "p", now, 1); j != nil {
		t.Fatalf("third claim: got %s, want none (both accounts at their limit)", j.ID)
	}
	if j := claim(t, s, "p", now, 2); claimedID(j) != "a2" {
		t.Fatalf("claim with a limit of 2: got %s, want a2", claimedID(j))
	}
}

func testJobClaimConcurrent(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	const jobs = 6
	for i := range jobs {
		createJob(t, s, job(fmt.Sprintf("j%d", i), pinpoint.JobTypeImport, i))
	}
	now := at(10)
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for range jobs {
				j, err := s.ClaimJob(t.Context(), owner, now, now.Add(time.Minute), 100)
				if err != nil {
					t.Errorf("ClaimJob(%s): %v", owner, err)
					return
				}
				if j == nil {
					return
				}
				mu.Lock()
				if prev, ok := claimed[j.ID]; ok {
					t.Errorf("job %s claimed by %s and %s while the lease ran", j.ID, prev, owner)
				}
				claimed[j.ID] = owner
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != jobs {
		t.Errorf("claimed %d jobs, want %d: %v", len(claimed), jobs, claimed)
	}
}

func testJobDeletedWithApp(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	createJob(t, s, job("j", pinpoint.JobTypeImport, 1))
	j := claim(t, s, "p", at(2), 10)
	if _, err := s.DeleteApp(ctx, acct1, appA); err != nil {
		t.Fatal(err)
	}
	j.Status = pinpoint.JobProcessing
	wantErr(t, "SaveJob after DeleteApp", s.SaveJob(ctx, "p", *j), store.ErrLeaseLost)
	newApp(t, s, acct1, appA)
	_, err := s.GetJob(ctx, acct1, appA, pinpoint.JobTypeImport, "j")
	wantErr(t, "GetJob after DeleteApp and a new app with the same ID", err, store.ErrJobNotFound)
}
