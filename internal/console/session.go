package console

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Session lifetimes: a session ends after IdleTimeout without a request, and MaxLifetime after
// sign-in in any case.
const (
	IdleTimeout = 8 * time.Hour
	MaxLifetime = 24 * time.Hour
)

// session is one signed-in browser. It holds the key's ID, never its secret: the secret is read
// from the store for each request, so revoking the key ends the session at its next request.
type session struct {
	id       string
	keyID    string
	account  string
	csrf     string
	created  time.Time
	lastSeen time.Time
	flash    string // a message for the next page shown
}

// sessions is the in-memory session table of one process. With several processes behind a
// load balancer, use sticky sessions or sign in again on each process.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: make(map[string]*session)} }

// token returns 32 random bytes, URL-safe base64.
func token() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// create starts a session for a key.
func (s *sessions) create(keyID, account string, now time.Time) *session {
	ss := &session{id: token(), keyID: keyID, account: account, csrf: token(), created: now, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Drop expired sessions while here, so the table does not grow without bound.
	for id, old := range s.m {
		if old.expired(now) {
			delete(s.m, id)
		}
	}
	s.m[ss.id] = ss
	return ss
}

func (ss *session) expired(now time.Time) bool {
	return now.Sub(ss.lastSeen) > IdleTimeout || now.Sub(ss.created) > MaxLifetime
}

// get returns a copy of a live session and marks it used; ok is false for an unknown or expired
// session (which is then deleted).
func (s *sessions) get(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	if ss.expired(now) {
		delete(s.m, id)
		return session{}, false
	}
	ss.lastSeen = now
	out := *ss
	ss.flash = ""
	return out, true
}

// setFlash keeps a message for the session's next page.
func (s *sessions) setFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.m[id]; ok {
		ss.flash = msg
	}
}

// delete ends a session.
func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}
