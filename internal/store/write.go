package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"pinpointd/internal/pinpoint"
)

// The write path of WriteEndpoints has three steps, and only the middle one decides anything:
//
//  1. Load: the backend reads, and locks where it has locks, the rows a call needs: the endpoints
//     it writes, the users they belong to, and the users its new endpoints will join (Rows.Load).
//  2. Decide: Write runs each write's updater and the rules of WriteEndpoints against the rows
//     loaded, and states the outcome as Changes: plain row operations.
//  3. Apply: the backend performs the changes (Rows.Apply), and Write applies the same changes to
//     the rows it loaded, so that the call's next write decides on the rows as they now are.
//
// A backend is thus a set of row reads and row writes that keeps nothing between calls; every rule
// and every row a call has read live here, once for both backends. A row a decision needs that was
// not loaded (the user an existing endpoint moves to) is read when needed (Rows.Users), after the
// changes of the earlier writes were applied.

// Rows is what a backend offers Write inside one write transaction of one app. Its errors are the
// database's: they abort the call.
type Rows interface {
	// Load reads the endpoints ids (sorted, distinct), without their users' attributes, locking
	// their rows, and the users they belong to (without members, locked or not); then it reads and
	// locks the users that joins names given the endpoints found, with their members. An endpoint ID without
	// a row is absent from Loaded.Endpoints; a user without a row may be absent from Loaded.Users.
	Load(ctx context.Context, ids []string, joins func(found map[string]*pinpoint.Endpoint) []string) (Loaded, error)
	// Users reads and locks the users ids (sorted, distinct), with their members. Every ID gets an
	// entry (Exists false when the user has no row).
	Users(ctx context.Context, ids []string) (map[string]*UserRow, error)
	// Apply performs the changes of one write, in order.
	Apply(ctx context.Context, changes []Change) error
}

// Loaded is what Rows.Load read.
type Loaded struct {
	Endpoints map[string]*pinpoint.Endpoint
	Users     map[string]*UserRow
}

// UserRow is a user as the write path reads it.
type UserRow struct {
	// Locked reports that the transaction holds the user's lock (on a backend with a single
	// writer, always). A write that changes the user's row or its endpoints needs it: Write
	// locks the user (Rows.Users) and decides that write again.
	Locked bool
	// Exists reports that the users row exists (a backend that locks a user by creating its row
	// reports true; Write deletes such a row again if the call leaves the user without endpoints).
	Exists bool
	Attrs  map[string][]string // nil when none
	// Members are every endpoint of the user, when MembersRead.
	Members     []pinpoint.Member
	MembersRead bool
}

// ChangeOp is what a Change does.
type ChangeOp uint8

const (
	// OpPutEndpoint stores Endpoint (without its user's attributes, see EncodeEndpoint) over Prev,
	// the row as it is (nil: there is none, insert it).
	OpPutEndpoint ChangeOp = iota + 1
	// OpPutUser sets the attributes of user UserID to Attrs, creating its row.
	OpPutUser
	// OpDropUserIfUnused deletes the row of user UserID unless an endpoint names it.
	OpDropUserIfUnused
	// OpEvict makes endpoint ID INACTIVE and removes its UserId.
	OpEvict
	// OpDeactivateAddress makes every ACTIVE endpoint with Address, other than endpoint ID, INACTIVE.
	OpDeactivateAddress
	// OpPutEvents stores Events of endpoint ID, ignoring ones already stored, and advances the
	// endpoint's last event time to the latest Timestamp.
	OpPutEvents
)

// Change is one row operation of a write. Which fields it uses depends on Op.
type Change struct {
	Op             ChangeOp
	Endpoint, Prev *pinpoint.Endpoint
	ID, UserID     string
	Address        string
	Attrs          map[string][]string
	Events         []Event
}

// Write performs writes (distinct IDs) on rows following the contract of Store.WriteEndpoints.
// It returns each write's result, or an error when the call fails as a whole: a write refused
// with atomic=true (that write's error, as is) or a failure of rows. On error the caller must roll
// back whatever Apply did.
func Write(ctx context.Context, rows Rows, app *pinpoint.App, writes []EndpointWrite, atomic bool) ([]WriteResult, error) {
	ids := make([]string, len(writes))
	for i, w := range writes {
		ids[i] = w.ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return nil, fmt.Errorf("store: endpoint %q written twice in one call", ids[i])
		}
	}
	loaded, err := rows.Load(ctx, ids, func(found map[string]*pinpoint.Endpoint) []string {
		return joins(app, writes, found)
	})
	if err != nil {
		return nil, err
	}
	st := &state{rows: rows, endpoints: loaded.Endpoints, users: loaded.Users, byAddress: map[string][]string{}}
	if st.endpoints == nil {
		st.endpoints = map[string]*pinpoint.Endpoint{}
	}
	for id, e := range st.endpoints {
		st.index(id, "", e.Address)
	}
	if st.users == nil {
		st.users = map[string]*UserRow{}
	}
	results := make([]WriteResult, len(writes))
	var changes []Change
	for i, w := range writes {
		var e *pinpoint.Endpoint
		e, changes, err = st.decide(ctx, app, w, changes[:0])
		if r, ok := errors.AsType[*refusal](err); ok {
			if atomic {
				return nil, r.err
			}
			results[i].Err = r.err
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := rows.Apply(ctx, changes); err != nil {
			return nil, err
		}
		st.apply(changes)
		results[i].Endpoint = e
	}
	// A user locked for a join that did not happen (a refused write) may have been given a row to
	// lock; it must not outlive the call.
	changes = changes[:0]
	for _, id := range slices.Sorted(maps.Keys(st.users)) {
		if u := st.users[id]; u.Exists && u.MembersRead && len(u.Members) == 0 {
			changes = append(changes, Change{Op: OpDropUserIfUnused, UserID: id})
		}
	}
	if len(changes) > 0 {
		if err := rows.Apply(ctx, changes); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// joins returns the users that the writes whose endpoint does not exist will join: the UserId
// their updaters give the new endpoint. It only predicts which rows to lock up front; a write that
// joins a user not predicted (an existing endpoint moving to another user, which is rare) reads it
// when it decides.
func joins(app *pinpoint.App, writes []EndpointWrite, found map[string]*pinpoint.Endpoint) []string {
	var out []string
	for _, w := range writes {
		if found[w.ID] != nil {
			continue
		}
		if e, err := w.Update(app, nil, nil); err == nil && e.User.UserID != "" {
			out = append(out, e.User.UserID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// refusal is the error of one write: its updater's, whatever its type, or a domain rule's. It
// fails that write, not the call (unless the call is atomic).
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }

// state is the rows a call has read, as its applied changes left them.
type state struct {
	rows      Rows
	endpoints map[string]*pinpoint.Endpoint // rows without user attributes; never modified in place
	users     map[string]*UserRow
	byAddress map[string][]string // IDs of the endpoints with each non-empty address
}

// index moves endpoint id from address from to address to in st.byAddress.
func (st *state) index(id, from, to string) {
	if from == to {
		return
	}
	if from != "" {
		st.byAddress[from] = slices.DeleteFunc(st.byAddress[from], func(x string) bool { return x == id })
	}
	if to != "" {
		st.byAddress[to] = append(st.byAddress[to], id)
	}
}

// decide runs one write against st and appends its changes to changes. It changes nothing in st
// but the users it reads. A write that changes a user's row (its attributes) or the user's
// endpoints (one joins or leaves) is decided on the user as read under its lock: when st holds
// the user unlocked, decide locks it, which reads it again, and decides once more.
func (st *state) decide(ctx context.Context, app *pinpoint.App, w EndpointWrite, changes []Change) (*pinpoint.Endpoint, []Change, error) {
	for {
		e, out, lock, err := st.try(ctx, app, w, changes)
		if lock == "" {
			return e, out, err
		}
		if _, err := st.user(ctx, lock, true); err != nil {
			return nil, changes, err
		}
	}
}

// try is one attempt of decide. lock, when not "", names a user that st holds unlocked and the
// write changes: decide locks it and tries again.
func (st *state) try(ctx context.Context, app *pinpoint.App, w EndpointWrite, changes []Change) (e *pinpoint.Endpoint, _ []Change, lock string, _ error) {
	prev := st.endpoints[w.ID]
	var old *pinpoint.Endpoint
	var oldUser string
	var attrs map[string][]string
	if prev != nil {
		c := *prev
		old = &c
		oldUser = old.User.UserID
		attrs = old.User.UserAttributes
		if oldUser != "" {
			u, err := st.user(ctx, oldUser, false)
			if err != nil {
				return nil, changes, "", err
			}
			attrs = u.Attrs
			old.User.UserAttributes = attrs
		}
	}
	e, err := w.Update(app, old, attrs)
	if err != nil {
		return nil, changes, "", &refusal{err}
	}
	if user := e.User.UserID; user != oldUser {
		if oldUser != "" && !st.users[oldUser].Locked {
			return nil, changes, oldUser, nil
		}
		var u *UserRow
		attrs = nil
		if user != "" {
			if u, err = st.user(ctx, user, true); err != nil {
				return nil, changes, "", err
			}
			attrs = u.Attrs
		}
		if e, err = w.Update(app, old, attrs); err != nil {
			return nil, changes, "", &refusal{err}
		}
		if e.User.UserID != user {
			return nil, changes, "", fmt.Errorf("store: updater for endpoint %q is not deterministic: UserId %q then %q", w.ID, user, e.User.UserID)
		}
		if u != nil {
			others := slices.DeleteFunc(slices.Clone(u.Members), func(m pinpoint.Member) bool { return m.ID == w.ID })
			victim, err := pinpoint.JoinUser(e, others)
			if err != nil {
				return nil, changes, "", &refusal{err}
			}
			if victim != "" {
				changes = append(changes, Change{Op: OpEvict, ID: victim})
			}
		}
	}
	if e.User.UserID != "" && !sameAttrs(e.User.UserAttributes, attrs) {
		if !st.users[e.User.UserID].Locked {
			return nil, changes, e.User.UserID, nil
		}
		changes = append(changes, Change{Op: OpPutUser, UserID: e.User.UserID, Attrs: e.User.UserAttributes})
	}
	// An endpoint that already was the ACTIVE one for its address still is: the unique index
	// guarantees no other ACTIVE endpoint has that address, so there is nothing to deactivate.
	stillActive := prev != nil && prev.EndpointStatus == pinpoint.StatusActive && prev.Address == e.Address
	if e.EndpointStatus == pinpoint.StatusActive && e.Address != "" && !stillActive {
		changes = append(changes, Change{Op: OpDeactivateAddress, Address: e.Address, ID: w.ID})
	}
	changes = append(changes, Change{Op: OpPutEndpoint, Endpoint: e, Prev: prev})
	if oldUser != "" && oldUser != e.User.UserID {
		changes = append(changes, Change{Op: OpDropUserIfUnused, UserID: oldUser})
	}
	if len(w.Events) > 0 {
		changes = append(changes, Change{Op: OpPutEvents, ID: w.ID, Events: w.Events})
	}
	return e, changes, "", nil
}

// user returns the user id as st has it, reading it (with its members, under its lock) when st
// has not read it or, with members, not its members or not under its lock.
func (st *state) user(ctx context.Context, id string, members bool) (*UserRow, error) {
	if u := st.users[id]; u != nil && (u.MembersRead && u.Locked || !members) {
		return u, nil
	}
	got, err := st.rows.Users(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	u := got[id]
	if u == nil {
		return nil, fmt.Errorf("store: backend read no entry for user %q", id)
	}
	st.users[id] = u
	return u, nil
}

// apply does to st what the database did for changes.
func (st *state) apply(changes []Change) {
	for _, c := range changes {
		switch c.Op {
		case OpPutEndpoint:
			e := withoutUserAttrs(c.Endpoint)
			if p := c.Prev; p != nil && p.User.UserID != "" && p.User.UserID != e.User.UserID {
				st.removeMember(p.User.UserID, e.ID)
			}
			if u := st.users[e.User.UserID]; u != nil && u.MembersRead {
				m := pinpoint.Member{ID: e.ID, ChannelType: e.ChannelType, EffectiveDate: e.EffectiveDate}
				if i := slices.IndexFunc(u.Members, func(m pinpoint.Member) bool { return m.ID == e.ID }); i >= 0 {
					u.Members[i] = m
				} else {
					u.Members = append(u.Members, m)
				}
			}
			from := ""
			if old := st.endpoints[e.ID]; old != nil {
				from = old.Address
			}
			st.index(e.ID, from, e.Address)
			st.endpoints[e.ID] = e
		case OpPutUser:
			if u := st.users[c.UserID]; u != nil {
				u.Exists, u.Attrs = true, c.Attrs
			}
		case OpDropUserIfUnused:
			// Read (and locked) again if a later write joins it: its row may be gone.
			delete(st.users, c.UserID)
		case OpEvict:
			if e := st.endpoints[c.ID]; e != nil {
				x := *e
				x.EndpointStatus, x.User = pinpoint.StatusInactive, pinpoint.User{}
				st.endpoints[c.ID] = &x
			}
			for id := range st.users {
				st.removeMember(id, c.ID)
			}
		case OpDeactivateAddress:
			for _, id := range st.byAddress[c.Address] {
				if e := st.endpoints[id]; id != c.ID && e.EndpointStatus == pinpoint.StatusActive {
					x := *e
					x.EndpointStatus = pinpoint.StatusInactive
					st.endpoints[id] = &x
				}
			}
		}
	}
}

// removeMember drops endpoint id from the members of user, when st has read them.
func (st *state) removeMember(user, id string) {
	if u := st.users[user]; u != nil && u.MembersRead {
		u.Members = slices.DeleteFunc(u.Members, func(m pinpoint.Member) bool { return m.ID == id })
	}
}

// sameAttrs reports whether two attribute maps hold the same keys and values.
func sameAttrs(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, slices.Equal[[]string])
}

// EncodeEndpoint returns the document a backend stores for e. The user's attributes are left out
// when e has a user (they are stored once per user); EndpointStatus and UserId are stored in it and
// also in columns, and the columns win on read (see DecodeEndpoint), so that Evict and
// DeactivateAddress need not rewrite documents.
func EncodeEndpoint(e *pinpoint.Endpoint) ([]byte, error) {
	return json.Marshal(withoutUserAttrs(e))
}

// EncodeEndpointBinary is EncodeEndpoint in the binary format of AppendEndpointBinary: the same
// content, about seven times faster to decode. DecodeEndpoint reads both.
func EncodeEndpointBinary(e *pinpoint.Endpoint) []byte {
	return AppendEndpointDoc(nil, e)
}

// AppendEndpointDoc appends EncodeEndpointBinary's document to dst, so that a caller can reuse a
// buffer.
func AppendEndpointDoc(dst []byte, e *pinpoint.Endpoint) []byte {
	return AppendEndpointBinary(dst, withoutUserAttrs(e))
}

func withoutUserAttrs(e *pinpoint.Endpoint) *pinpoint.Endpoint {
	if e.User.UserID == "" || e.User.UserAttributes == nil {
		return e
	}
	c := *e
	c.User.UserAttributes = nil
	return &c
}

// DecodeEndpoint rebuilds an endpoint from its document (JSON or binary) and authoritative columns.
func DecodeEndpoint(doc []byte, status, userID string) (*pinpoint.Endpoint, error) {
	var e pinpoint.Endpoint
	if len(doc) > 0 && doc[0] == binaryDocV1 {
		if err := decodeEndpointBinary(doc, &e); err != nil {
			return nil, err
		}
	} else if err := json.Unmarshal(doc, &e); err != nil {
		return nil, fmt.Errorf("store: decode endpoint: %w", err)
	}
	e.EndpointStatus = status
	if e.User.UserID != userID {
		e.User = pinpoint.User{UserID: userID}
	}
	return &e, nil
}

// DecodeEndpointInto is DecodeEndpoint for scans: it decodes into *e, takes its small objects
// from slab, and takes doc over: the strings of the result share doc's memory instead of a copy
// of it, so nothing may modify doc afterwards. Per endpoint that saves the copy of its document
// and most allocations, which matters when a scan decodes millions.
func DecodeEndpointInto(e *pinpoint.Endpoint, doc []byte, status, userID string, slab *Slab) error {
	if len(doc) > 0 && doc[0] == binaryDocV1 {
		if err := decodeEndpointBinaryShared(doc, e, true, slab); err != nil {
			return err
		}
	} else {
		*e = pinpoint.Endpoint{}
		if err := json.Unmarshal(doc, e); err != nil {
			return fmt.Errorf("store: decode endpoint: %w", err)
		}
	}
	e.EndpointStatus = status
	if e.User.UserID != userID {
		e.User = pinpoint.User{UserID: userID}
	}
	return nil
}

// ScanApp reads the columns app_id, account, name, creation_date, tags, excluded (in that order)
// of one row into an App. The row's error (no rows, say) is returned as is.
func ScanApp(row interface{ Scan(...any) error }) (pinpoint.App, error) {
	var a pinpoint.App
	var tags, excluded string
	if err := row.Scan(&a.ID, &a.Account, &a.Name, &a.CreationDate, &tags, &excluded); err != nil {
		return a, err
	}
	if err := DecodeJSON(tags, &a.Tags); err != nil {
		return a, err
	}
	return a, DecodeJSON(excluded, &a.Excluded)
}

// EncodeJSON and DecodeJSON store maps (tags, attributes, exclusions) as JSON text.
func EncodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// DecodeJSON decodes a JSON column; an empty column leaves v unchanged.
func DecodeJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("store: decode column: %w", err)
	}
	return nil
}
