package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"pinpointd/internal/pinpoint"
)

// Tx is the set of row operations a backend offers inside one write transaction. ApplyWrite builds
// WriteEndpoints' rules from them once, so every backend enforces the same rules the same way; the
// backend supplies the locking (a single writer on SQLite, row locks on PostgreSQL).
type Tx interface {
	// Endpoint returns the stored endpoint (without its user's attributes) or nil, locking its row.
	Endpoint(ctx context.Context, id string) (*pinpoint.Endpoint, error)
	// LockUser locks the user's row, creating it if needed, and returns the user's attributes.
	LockUser(ctx context.Context, userID string) (map[string][]string, error)
	// UserMembers returns the endpoints of the user other than exceptID.
	UserMembers(ctx context.Context, userID, exceptID string) ([]pinpoint.Member, error)
	// PutUser stores the user's attributes.
	PutUser(ctx context.Context, userID string, attrs map[string][]string) error
	// DropUserIfUnused deletes the user's row when no endpoint names it any more.
	DropUserIfUnused(ctx context.Context, userID string) error
	// Evict makes an endpoint INACTIVE and removes its UserId.
	Evict(ctx context.Context, id string) error
	// DeactivateAddress makes every ACTIVE endpoint with address other than exceptID INACTIVE.
	DeactivateAddress(ctx context.Context, address, exceptID string) error
	// PutEndpoint inserts or replaces the endpoint's row (see EncodeEndpoint).
	PutEndpoint(ctx context.Context, e *pinpoint.Endpoint) error
	// PutEvents stores events of an endpoint, ignoring ones already stored, and advances the
	// endpoint's last event time to the latest Timestamp.
	PutEvents(ctx context.Context, endpointID string, events []Event) error
}

// ApplyWrite performs one EndpointWrite in tx following the contract of Store.WriteEndpoints.
// On error the caller must roll back whatever ApplyWrite did in tx.
func ApplyWrite(ctx context.Context, tx Tx, app *pinpoint.App, w EndpointWrite) (*pinpoint.Endpoint, error) {
	old, err := tx.Endpoint(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	var oldUser string
	var attrs map[string][]string
	if old != nil {
		oldUser = old.User.UserID
		attrs = old.User.UserAttributes
		if oldUser != "" {
			if attrs, err = tx.LockUser(ctx, oldUser); err != nil {
				return nil, err
			}
			old.User.UserAttributes = attrs
		}
	}
	e, err := w.Update(app, old, attrs)
	if err != nil {
		return nil, err
	}
	if user := e.User.UserID; user != oldUser {
		attrs = nil
		if user != "" {
			if attrs, err = tx.LockUser(ctx, user); err != nil {
				return nil, err
			}
		}
		if e, err = w.Update(app, old, attrs); err != nil {
			return nil, err
		}
		if e.User.UserID != user {
			return nil, fmt.Errorf("store: updater for endpoint %q is not deterministic: UserId %q then %q", w.ID, user, e.User.UserID)
		}
		if user != "" {
			members, err := tx.UserMembers(ctx, user, w.ID)
			if err != nil {
				return nil, err
			}
			victim, err := pinpoint.JoinUser(e, members)
			if err != nil {
				return nil, err
			}
			if victim != "" {
				if err := tx.Evict(ctx, victim); err != nil {
					return nil, err
				}
			}
		}
	}
	if e.User.UserID != "" && !sameAttrs(e.User.UserAttributes, attrs) {
		if err := tx.PutUser(ctx, e.User.UserID, e.User.UserAttributes); err != nil {
			return nil, err
		}
	}
	// An endpoint that already was the ACTIVE one for its address still is: the unique index
	// guarantees no other ACTIVE endpoint has that address, so there is nothing to deactivate.
	stillActive := old != nil && old.EndpointStatus == pinpoint.StatusActive && old.Address == e.Address
	if e.EndpointStatus == pinpoint.StatusActive && e.Address != "" && !stillActive {
		if err := tx.DeactivateAddress(ctx, e.Address, w.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.PutEndpoint(ctx, e); err != nil {
		return nil, err
	}
	if oldUser != "" && oldUser != e.User.UserID {
		if err := tx.DropUserIfUnused(ctx, oldUser); err != nil {
			return nil, err
		}
	}
	if len(w.Events) > 0 {
		if err := tx.PutEvents(ctx, w.ID, w.Events); err != nil {
			return nil, err
		}
	}
	return e, nil
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
