package store

import (
	"context"
	"errors"
	"time"

	"pinpointd/internal/pinpoint"
)

// Sentinel errors. Backends wrap them with %w; callers test with errors.Is.
var (
	ErrAppNotFound      = errors.New("store: application not found")
	ErrEndpointNotFound = errors.New("store: endpoint not found")
	ErrUserNotFound     = errors.New("store: user has no endpoints")
	ErrKeyNotFound      = errors.New("store: access key not found")
	// ErrSegmentNotFound: no such segment in the app, or no such version of it.
	ErrSegmentNotFound = errors.New("store: segment not found")
	ErrExists          = errors.New("store: already exists")
	ErrJobNotFound     = errors.New("store: job not found")
	ErrLeaseLost       = errors.New("store: job lease lost")
	// ErrUnavailable marks a failure to reach the database (as opposed to a bad request or a bug).
	ErrUnavailable = errors.New("store: database unavailable")
)

// EndpointUpdater computes the new state of an endpoint of app from old (nil when it does not exist)
// and userAttrs, the current attributes of the user the result will belong to.
//
// It runs inside the store's transaction and may be called more than once for one write: a backend
// that retries a transaction (PostgreSQL, on serialization failures and deadlocks) calls it again,
// and within one attempt it is called twice when the user changes: first with the
// attributes of old's user (old's own attributes when it has no user; nil when old is nil); when the
// result names a different UserId, the store locks that user and calls it again with that user's
// attributes (nil for no user). It must therefore be a pure function of its arguments. An error it
// returns aborts the write of that endpoint and is returned as is.
type EndpointUpdater func(app *pinpoint.App, old *pinpoint.Endpoint, userAttrs map[string][]string) (*pinpoint.Endpoint, error)

// EndpointWrite is one endpoint to create or update, and the events to record with it.
type EndpointWrite struct {
	ID     string
	Update EndpointUpdater
	Events []Event
}

// Event is one analytics event as stored. (App, EndpointID, ID) identifies it: recording the same
// event twice stores it once.
type Event struct {
	ID        string
	Type      string
	Timestamp time.Time
	Body      []byte // the event's JSON as received (re-encoded)
}

// WriteResult is the outcome of one EndpointWrite.
type WriteResult struct {
	Endpoint *pinpoint.Endpoint // the endpoint as written; nil when Err != nil
	Err      error
}

// SegmentMember is an endpoint an import job puts in an IMPORT segment.
type SegmentMember struct {
	EndpointID  string
	ChannelType string // the endpoint's, counted in ImportDefinition.ChannelCounts
}

// ScanQuery selects a page of ScanEndpoints.
type ScanQuery struct {
	After     string // IDs greater than After
	Until     string // and, when not "", not greater than Until
	Limit     int
	UserAttrs bool // with each endpoint's user's attributes
}

// ScannedEndpoint is an endpoint as ScanEndpoints reads it.
type ScannedEndpoint struct {
	Endpoint pinpoint.Endpoint // with its user's attributes in User.UserAttributes, if asked for
	// LastEventAt is the time of the endpoint's latest recorded event; zero when it has none.
	LastEventAt time.Time
}

// StatsDays is how many days back AppStats looks; ActiveUserWindows are its active-user windows.
const StatsDays = 30

// ActiveUserWindows are the windows, in days, AppStats counts active users over.
var ActiveUserWindows = [3]int{1, 7, 30}

// AppStats is what AppStats counts.
type AppStats struct {
	Endpoints []ChannelStatusCount // ordered by channel, then status
	// ActiveUsers[i] is the number of distinct UserIds of endpoints whose latest event lies within
	// ActiveUserWindows[i] days before now.
	ActiveUsers [3]int
	// EventsPerDay holds one count per UTC day with events, oldest first, for the StatsDays days
	// up to and including now's day, by the events' own timestamps. It counts the events
	// recorded (an event ID sent again is not counted again), including those deleted since with
	// their endpoint, as Pinpoint's analytics did; deleting the app deletes its counts.
	EventsPerDay []DayCount
}

// ChannelStatusCount is the number of endpoints with one channel type and status.
type ChannelStatusCount struct {
	Channel, Status string
	Count           int
}

// DayCount is a count for one UTC day ("2006-01-02").
type DayCount struct {
	Day   string
	Count int
}

// StatsSince is the first instant of the StatsDays-day window ending on now's UTC day.
func StatsSince(now time.Time) time.Time {
	d := now.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -(StatsDays - 1))
}

// Key is an access key. Secret is needed in clear to verify SigV4 signatures.
type Key struct {
	AccessKeyID string
	Secret      string
	Account     string
	Allow       []string // allowed actions ("mobiletargeting:UpdateEndpoint", "mobiletargeting:Get*", "*"); empty = all
	Created     time.Time
	Revoked     bool
}

// Store is pinpointd's persistence. Every method is safe for concurrent use, by many goroutines and
// by many processes sharing one database (where the backend supports that), and every write is
// durably committed before it returns nil.
//
// App-scoped methods take the caller's account and answer ErrAppNotFound for an app that does not
// exist or belongs to another account.
type Store interface {
	// CreateApp stores a new app. ErrExists if the ID is taken.
	CreateApp(ctx context.Context, app pinpoint.App) error
	// GetApp returns an app of account.
	GetApp(ctx context.Context, account, appID string) (pinpoint.App, error)
	// ListApps returns at most limit apps of account with IDs greater than after, ordered by ID.
	ListApps(ctx context.Context, account, after string, limit int) ([]pinpoint.App, error)
	// UpdateApp applies fn to the app inside a transaction and stores the result (Name, Tags,
	// Excluded; ID, Account and CreationDate are kept). An error from fn aborts and is returned.
	UpdateApp(ctx context.Context, account, appID string, fn func(*pinpoint.App) error) (pinpoint.App, error)
	// DeleteApp deletes an app with all its endpoints, users, events, segments (and their members) and jobs, atomically, and
	// returns it.
	DeleteApp(ctx context.Context, account, appID string) (pinpoint.App, error)

	// GetEndpoint returns an endpoint with its user's attributes. ErrEndpointNotFound if absent.
	GetEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error)

	// WriteEndpoints creates or updates endpoints and records their events, in one transaction.
	// For each write, under locks that serialize it against every concurrent writer of the same
	// endpoint, user or address, the store:
	//   - calls Update (see EndpointUpdater) and stores the result;
	//   - keeps the user's attributes once per (app, UserId), so every endpoint of the user shows them;
	//   - applies pinpoint.JoinUser when the endpoint joins a user: the evicted endpoint becomes
	//     INACTIVE and loses its UserId; a refusal is that write's error;
	//   - when the result is ACTIVE with an Address, makes every other ACTIVE endpoint of the app with
	//     that Address INACTIVE;
	//   - stores its Events (ignoring ones already stored) and advances the endpoint's last event time.
	// atomic=true: the first failing write aborts the whole call, nothing is written, and its error
	// is returned. atomic=false: a write that fails on its own — its updater returned an error,
	// whatever its type, or a domain rule refused it — leaves no trace and is reported in its
	// WriteResult with that error as is; the others are written. A failure of the database aborts
	// the call. A returned error (rather than per-write results) means nothing was
	// written. Results are in the order of writes. IDs must be distinct.
	WriteEndpoints(ctx context.Context, account, appID string, writes []EndpointWrite, atomic bool) ([]WriteResult, error)

	// DeleteEndpoint deletes an endpoint (and its events) and returns it as it was.
	DeleteEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error)
	// GetUserEndpoints returns the endpoints whose UserId is userID, ordered by ID.
	// ErrUserNotFound when there are none.
	GetUserEndpoints(ctx context.Context, account, appID, userID string) ([]pinpoint.Endpoint, error)
	// DeleteUserEndpoints deletes, atomically, the endpoints GetUserEndpoints would return, and the
	// user's attributes, and returns the deleted endpoints. ErrUserNotFound when there are none.
	DeleteUserEndpoints(ctx context.Context, account, appID, userID string) ([]pinpoint.Endpoint, error)
	// ListEvents returns the events recorded for an endpoint, ordered by ID.
	ListEvents(ctx context.Context, account, appID, endpointID string) ([]Event, error)

	// CreateSegment stores version 1 of a new segment of app seg.AppID of account seg.Account
	// (seg.Version is ignored and stored as 1), with seg.Tags as its tags. ErrAppNotFound as for
	// any app-scoped method; ErrExists if the app has a segment with that ID.
	CreateSegment(ctx context.Context, seg pinpoint.Segment) error
	// GetSegment returns a version of a segment with the segment's tags; version 0 means the
	// latest. ErrSegmentNotFound when the segment or that version does not exist.
	GetSegment(ctx context.Context, account, appID, id string, version int) (pinpoint.Segment, error)
	// ListSegments returns the latest versions of at most limit segments of the app with IDs
	// greater than after, ordered by ID.
	ListSegments(ctx context.Context, account, appID, after string, limit int) ([]pinpoint.Segment, error)
	// UpdateSegment applies fn to a copy of the latest version inside a transaction and stores
	// the result as a new version: Version is the latest's plus one, and ID, AppID, Account,
	// Type, Tags and CreationDate are kept whatever fn does. Concurrent updates of one segment
	// run one after the other, so each gets its own version. An error from fn aborts and is
	// returned as is. fn may be called more than once (a backend may retry the transaction).
	UpdateSegment(ctx context.Context, account, appID, id string, fn func(*pinpoint.Segment) error) (pinpoint.Segment, error)
	// UpdateSegmentTags replaces the segment's tags with what fn returns, given the current ones
	// (a copy, never nil). Tags belong to the segment, not to a version: no version is written.
	// It returns the latest version with the new tags. An error from fn aborts and is returned.
	UpdateSegmentTags(ctx context.Context, account, appID, id string, fn func(tags map[string]string) (map[string]string, error)) (pinpoint.Segment, error)
	// DeleteSegment deletes a segment with all its versions and members, atomically, and returns its latest
	// version.
	DeleteSegment(ctx context.Context, account, appID, id string) (pinpoint.Segment, error)
	// ListSegmentVersions returns at most limit versions of a segment greater than afterVersion,
	// in ascending order. ErrSegmentNotFound when the segment does not exist.
	ListSegmentVersions(ctx context.Context, account, appID, id string, afterVersion, limit int) ([]pinpoint.Segment, error)
	// AddSegmentMembers adds endpoints to an IMPORT segment in one transaction. A member already
	// in the segment is left as it is, so adding the same members again (an import piece run
	// again after a takeover) changes nothing. Each new member is counted in the segment's
	// ImportDefinition: Size, and ChannelCounts under its ChannelType (when not ""). The
	// caller bounds len(members) (the import runner: its batch size). ErrSegmentNotFound when
	// the segment does not exist; an error when it is not an IMPORT segment.
	AddSegmentMembers(ctx context.Context, account, appID, segmentID string, members []SegmentMember) error
	// ListSegmentMembers returns at most limit endpoint IDs of an IMPORT segment's members
	// greater than after, in ID order (as ScanEndpoints orders IDs). Members are kept when their
	// endpoint is deleted: a reader that wants existing endpoints joins them itself. An unknown
	// segment has no members.
	ListSegmentMembers(ctx context.Context, account, appID, segmentID, after string, limit int) ([]string, error)

	// ScanEndpoints returns a page of the app's endpoints: at most q.Limit, with IDs greater than
	// q.After and (when q.Until is not "") not greater than q.Until, in ID order, each with the
	// time of its latest event and, when q.UserAttrs is true, its user's attributes (false leaves
	// User.UserAttributes nil and saves a lookup per endpoint). Paging through an ID range with
	// the last ID of each page as the next After visits every endpoint that exists throughout the
	// scan exactly once; each page reflects every write acknowledged before it was read. ID order
	// is byte order on SQLite and the database's collation on PostgreSQL (byte order with the C and
	// C.UTF-8 collations); either way it is the same for every page and for After and Until.
	ScanEndpoints(ctx context.Context, account, appID string, q ScanQuery) ([]ScannedEndpoint, error)

	// PutKey stores a new access key. ErrExists if the ID is taken.
	PutKey(ctx context.Context, k Key) error
	// GetKey returns a key, revoked or not. ErrKeyNotFound if absent.
	GetKey(ctx context.Context, accessKeyID string) (Key, error)
	// ListKeys returns every key ordered by ID.
	ListKeys(ctx context.Context) ([]Key, error)
	// RevokeKey marks a key revoked. ErrKeyNotFound if absent.
	RevokeKey(ctx context.Context, accessKeyID string) error

	// CreatePool stores a new identity pool of p.Account's app p.AppID. ErrAppNotFound when that
	// app does not exist in that account; ErrExists if the pool ID is taken.
	CreatePool(ctx context.Context, p IdentityPool) error
	// GetPool returns a pool. ErrPoolNotFound if absent.
	GetPool(ctx context.Context, poolID string) (IdentityPool, error)
	// ListPools returns every pool ordered by ID.
	ListPools(ctx context.Context) ([]IdentityPool, error)
	// DeletePool deletes a pool with its identities and every credential it issued, atomically.
	// ErrPoolNotFound if absent.
	DeletePool(ctx context.Context, poolID string) error
	// PutIdentity stores a new identity. ErrPoolNotFound when its pool does not exist; ErrExists if
	// the ID is taken.
	PutIdentity(ctx context.Context, id Identity) error
	// GetIdentity returns an identity. ErrIdentityNotFound if absent (or its pool was deleted).
	GetIdentity(ctx context.Context, identityID string) (Identity, error)
	// PutCredential stores a credential issued to an identity and, in the same transaction,
	// deletes that identity's credentials that expired at or before c.Issued. ErrIdentityNotFound
	// when the identity (or its pool) does not exist; ErrExists if the access key ID is taken in
	// the pool's app. Access key IDs must be random enough never to repeat across apps (the
	// PostgreSQL backend keys credentials by app, for distribution).
	PutCredential(ctx context.Context, c TempCredential) error
	// GetCredential returns a temporary credential with the pool that issued it. ErrKeyNotFound
	// if absent, which includes every credential of a deleted pool. Expired credentials are
	// returned: the caller decides what expiry means.
	GetCredential(ctx context.Context, accessKeyID string) (TempCredential, IdentityPool, error)

	// EndpointIDByAddress returns the ID of the app's ACTIVE endpoint with that Address (there is
	// at most one), found through the address index. ErrEndpointNotFound when there is none.
	EndpointIDByAddress(ctx context.Context, account, appID, address string) (string, error)
	// AppStats counts the app's endpoints by channel and status, the distinct users with an
	// event in the days before now, and the events of each UTC day of the last StatsDays days.
	// Each of the three counts is of a committed state of the app (no write is half counted),
	// not necessarily the same one. The counts by channel and status and by day come from
	// counters the database keeps as it writes (a few rows to read, however big the app); active
	// users from an index of the endpoints by user and latest event, which it reads for every
	// endpoint of the app that has a user and an event. It never reads an endpoint's document.
	// (PostgreSQL without its counters' triggers, as on Citus, counts the rows instead, and there
	// the events of deleted endpoints are not counted.)
	AppStats(ctx context.Context, account, appID string, now time.Time) (AppStats, error)

	// Import and export jobs (see Job).

	// CreateJob stores a new job of j.Account's app j.AppID. ErrAppNotFound when the app is not
	// the account's; ErrExists if the ID is taken.
	CreateJob(ctx context.Context, j Job) error
	// GetJob returns a job of type typ (pinpoint.JobTypeExport or JobTypeImport). ErrJobNotFound
	// when there is none of that type with that ID.
	GetJob(ctx context.Context, account, appID, typ, id string) (Job, error)
	// ListJobs returns at most limit jobs of type typ of the app, newest first (by CreationDate,
	// then ID, both descending), that come after the cursor (zero: from the newest). segmentID,
	// when not "", keeps only the jobs whose SegmentID it is.
	ListJobs(ctx context.Context, account, appID, typ, segmentID string, after JobCursor, limit int) ([]Job, error)
	// ClaimJob gives owner the lease of one runnable job and returns it, or nil when there is
	// none. A job is runnable when it is not done (pinpoint.JobDone) and has no owner or its
	// owner's lease ended before now; the oldest runnable job is claimed first, skipping the jobs
	// of accounts that already hold perAccount running jobs (a running job: not done, with a
	// lease that ends at or after now). The claimed job's LeaseUntil becomes until. Claims are
	// atomic: two callers, in any processes, never both claim a job while its lease runs, and an
	// account never exceeds perAccount running jobs through claims.
	ClaimJob(ctx context.Context, owner string, now, until time.Time, perAccount int) (*Job, error)
	// SaveJob stores the progress of a job owner holds: Status, the counters, Failures,
	// CompletionDate, Checkpoint and LeaseUntil (extending the lease). When Status is done, the
	// lease is released. ErrLeaseLost, writing nothing, when owner no longer holds the job (its
	// lease ran out and another owner claimed it, or the app was deleted).
	SaveJob(ctx context.Context, owner string, j Job) error

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close waits for in-flight writes and releases the database.
	Close() error
}

// Job is an import or export job as stored. The API writes it once (CreateJob); from then on
// only the runner holding its lease changes it (SaveJob).
type Job struct {
	AppID   string
	ID      string
	Account string // the app's account: the unit of the concurrent-jobs limit
	Type    string // pinpoint.JobTypeExport or JobTypeImport
	Status  string // pinpoint.JobCreated, …
	// SegmentID is Definition's SegmentId ("" for none), kept apart for ListJobs.
	SegmentID string
	// Definition is the job's wire Definition (ExportJobResource or ImportJobResource), as JSON.
	Definition      []byte
	CreationDate    string
	CompletionDate  string
	TotalPieces     int
	CompletedPieces int
	FailedPieces    int
	TotalProcessed  int
	TotalFailures   int
	Failures        []string

	// Owner is the runner holding the lease ("" for none) until LeaseUntil.
	Owner      string
	LeaseUntil time.Time
	// Checkpoint is where the runner resumes a job it takes over; opaque to the store.
	Checkpoint []byte
}

// JobCursor is where ListJobs resumes: after the job with this CreationDate and ID.
type JobCursor struct {
	CreationDate string
	ID           string
}
