package sqlite

import (
	"sync"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// readCache keeps the rows GetEndpoint read — each endpoint's document and columns, and its
// user's attributes — so that reading an endpoint again costs no SQLite query. It is coherent
// with the database because every change to those rows goes through the store's single writer,
// which names the rows its transaction changed (touched) and invalidates them right after the
// transaction ends, before any of its writes is acknowledged: a GetEndpoint that starts after a
// write was acknowledged never sees an older row, from the cache or from SQLite.
//
// A read that began before an invalidation may have read the row as it was before; fill refuses
// what such a read offers. Every invalidation advances gen and records it for the keys it drops,
// and fill takes a read's row only if none of its keys was invalidated after the read began.
//
// The cache holds raw rows (about the size of the endpoint's document) up to maxCacheBytes,
// evicting arbitrary entries when full.
type readCache struct {
	mu    sync.Mutex
	gen   uint64
	bytes int
	// endpoints by app and endpoint ID; users by app and user ID (only users with a row: an
	// endpoint whose user has no row has no attributes, which its entry records).
	endpoints map[cacheKey]*cachedEndpoint
	users     map[cacheKey]string
	// inval holds, per key dropped since floor, the gen of its last invalidation; apps the gen of
	// an app's last invalidation as a whole. A read that began before floor is refused.
	inval map[cacheKey]uint64
	apps  map[string]uint64
	floor uint64
}

const (
	maxCacheBytes = 24 << 20
	// maxInvalidations bounds inval; when it is full, it is emptied and floor advanced.
	maxInvalidations = 1 << 12
)

// cacheKey names an endpoint (user false) or a user of an app.
type cacheKey struct {
	app, id string
	user    bool
}

type cachedEndpoint struct {
	account        string
	doc            []byte
	status, userID string
	// hasUserRow reports that the user's attributes are in users (false: the user has no row, or
	// the endpoint no user).
	hasUserRow bool
}

func (e *cachedEndpoint) size() int { return len(e.doc) + len(e.status) + len(e.userID) + 128 }

func newReadCache() *readCache {
	return &readCache{endpoints: map[cacheKey]*cachedEndpoint{}, users: map[cacheKey]string{},
		inval: map[cacheKey]uint64{}, apps: map[string]uint64{}}
}

// begin is called before a read whose rows may be offered to fill. The methods of a nil
// readCache (no cache) do nothing.
func (c *readCache) begin() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns the endpoint as GetEndpoint would read it, if the cache holds it for account.
func (c *readCache) get(account, appID, id string) (pinpoint.Endpoint, bool) {
	if c == nil {
		return pinpoint.Endpoint{}, false
	}
	c.mu.Lock()
	ce := c.endpoints[cacheKey{app: appID, id: id}]
	var attrs string
	ok := ce != nil && ce.account == account
	if ok && ce.hasUserRow {
		attrs, ok = c.users[cacheKey{app: appID, id: ce.userID, user: true}]
	}
	c.mu.Unlock()
	if !ok {
		return pinpoint.Endpoint{}, false
	}
	// Decoding outside the lock: the entry is never modified, only replaced or dropped.
	e, err := store.DecodeEndpoint(ce.doc, ce.status, ce.userID)
	if err != nil {
		return pinpoint.Endpoint{}, false
	}
	if ce.userID != "" {
		e.User.UserAttributes = nil
		if err := decodeAttrs(attrs, &e.User.UserAttributes); err != nil {
			return pinpoint.Endpoint{}, false
		}
	}
	return *e, true
}

// fill offers the row a read that began at gen read: the endpoint's columns, and its user's
// attributes (attrs, "" when the user has no row).
func (c *readCache) fill(gen uint64, account, appID, id string, row endpointRow) {
	if c == nil {
		return
	}
	ek := cacheKey{app: appID, id: id}
	uk := cacheKey{app: appID, id: row.userID, user: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.floor || c.inval[ek] > gen || c.apps[appID] > gen || (row.userID != "" && c.inval[uk] > gen) {
		return
	}
	ce := &cachedEndpoint{account: account, doc: row.doc, status: row.status, userID: row.userID, hasUserRow: row.userID != "" && row.attrs != ""}
	for c.bytes+ce.size()+len(row.attrs) > maxCacheBytes && len(c.endpoints) > 0 {
		for k := range c.endpoints { // an arbitrary entry
			c.dropEndpoint(k)
			break
		}
	}
	c.dropEndpoint(ek)
	c.endpoints[ek] = ce
	c.bytes += ce.size()
	if ce.hasUserRow {
		if old, ok := c.users[uk]; ok {
			c.bytes -= len(old)
		}
		c.users[uk] = row.attrs
		c.bytes += len(row.attrs)
	}
}

func (c *readCache) dropEndpoint(k cacheKey) {
	if ce := c.endpoints[k]; ce != nil {
		c.bytes -= ce.size()
		delete(c.endpoints, k)
	}
}

// invalidate drops what a transaction of the writer changed (t), whether it committed or not.
func (c *readCache) invalidate(t *touched) {
	if len(t.keys) == 0 && len(t.apps) == 0 {
		return
	}
	defer func() { t.keys, t.apps = t.keys[:0], t.apps[:0] }()
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if len(c.inval)+len(t.keys) > maxInvalidations {
		clear(c.inval)
		c.floor = c.gen
	}
	for _, k := range t.keys {
		if k.user {
			if old, ok := c.users[k]; ok {
				c.bytes -= len(old)
				delete(c.users, k)
			}
		} else {
			c.dropEndpoint(k)
		}
		c.inval[k] = c.gen
	}
	for _, app := range t.apps {
		for k := range c.endpoints {
			if k.app == app {
				c.dropEndpoint(k)
			}
		}
		for k, v := range c.users {
			if k.app == app {
				c.bytes -= len(v)
				delete(c.users, k)
			}
		}
		c.apps[app] = c.gen
	}
}

// touched collects, in the writer's open transaction, the rows readCache may hold that the
// transaction changed. Only the writer goroutine uses it.
type touched struct {
	keys []cacheKey
	apps []string // every endpoint and user of these apps
}

func (t *touched) endpoint(app, id string) { t.keys = append(t.keys, cacheKey{app: app, id: id}) }
func (t *touched) user(app, id string) {
	t.keys = append(t.keys, cacheKey{app: app, id: id, user: true})
}
func (t *touched) app(app string) { t.apps = append(t.apps, app) }
