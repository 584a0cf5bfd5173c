package identity

import (
	"testing"
	"time"

	"github.com/yitong-health/yitong/store"
)

// TestLookupCache: a cached lookup never outlives a change the service
// makes (revocation takes effect at once), and one made behind its back
// (another process on the same database) by more than TokenCacheTTL.
func TestLookupCache(t *testing.T) {
	s, c, st := newService(t)
	his, secret, err := s.CreateClient(ctx, Client{Name: "HIS", Scope: "system/*.rs"}, true)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := s.AuthenticateClient(ctx, his.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	issue := func() string {
		t.Helper()
		tok, err := s.ClientCredentials(ctx, cl, "system/Patient.r")
		if err != nil {
			t.Fatal(err)
		}
		return tok.Access
	}
	lookup := func(tok string) error {
		_, _, err := s.Lookup(ctx, KindAccess, tok)
		return err
	}
	// issueCachedThenDelete issues a token, looks it up (caching it) and
	// deletes its record behind the service's back, as another process
	// sharing the database would.
	issueCachedThenDelete := func() string {
		t.Helper()
		tok := issue()
		if err := lookup(tok); err != nil {
			t.Fatal(err)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.Records().Delete(ctx, KindAccess, hashKey(tok)) }); err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// Revoked through the service: refused at once, although cached.
	tok := issue()
	for range 2 {
		if err := lookup(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Revoke(ctx, tok, cl); err != nil {
		t.Fatal(err)
	}
	if err := lookup(tok); err != ErrInvalidToken {
		t.Errorf("revoked token, looked up before: %v", err)
	}

	// Deleted behind the service's back: the cached lookup holds for less
	// than TokenCacheTTL, and no longer.
	tok = issueCachedThenDelete()
	c.Add(TokenCacheTTL - time.Microsecond)
	if err := lookup(tok); err != nil {
		t.Errorf("within the cache's lifetime: %v", err)
	}
	c.Add(time.Microsecond)
	if err := lookup(tok); err != ErrInvalidToken {
		t.Errorf("deleted token after TokenCacheTTL: %v", err)
	}

	// Any write of the service empties the cache: a later lookup reads
	// the store again.
	tok = issueCachedThenDelete()
	if _, _, err := s.CreateClient(ctx, Client{Name: "LIS", Scope: "system/*.rs"}, true); err != nil {
		t.Fatal(err)
	}
	if err := lookup(tok); err != ErrInvalidToken {
		t.Errorf("deleted token after a write of the service: %v", err)
	}

	// A lookup that fails is not cached; an expired token is refused
	// whatever the cache holds.
	tok = issue()
	if err := lookup(tok); err != nil {
		t.Fatal(err)
	}
	c.Add(AccessTTL)
	if err := lookup(tok); err != ErrInvalidToken {
		t.Errorf("expired token: %v", err)
	}
}

// TestLookupCacheCopies: callers get their own copy of the account.
func TestLookupCacheCopies(t *testing.T) {
	var tc tokenCache
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	tc.put("k", Grant{Expires: now.Add(time.Hour)}, &Account{ID: "a"}, Client{}, tc.gen.Load(), now)
	_, a1, _, ok := tc.get("k", now)
	if !ok {
		t.Fatal("not cached")
	}
	a1.ID = "changed"
	if _, a2, _, _ := tc.get("k", now); a2.ID != "a" {
		t.Errorf("a caller's change reached the cache: %q", a2.ID)
	}
	// The grant's expiry bounds the entry, whatever the TTL.
	tc.put("e", Grant{Expires: now.Add(time.Second)}, nil, Client{}, tc.gen.Load(), now)
	if _, _, _, ok := tc.get("e", now.Add(time.Second)); ok {
		t.Error("an entry outlived its grant")
	}
	// A lookup that began before a write is not cached.
	gen := tc.gen.Load()
	tc.gen.Add(1)
	tc.put("s", Grant{}, nil, Client{}, gen, now)
	if _, _, _, ok := tc.get("s", now); ok {
		t.Error("a lookup older than a write was cached")
	}
}
