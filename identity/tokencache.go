package identity

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yitong-health/yitong/store"
)

// TokenCacheTTL bounds how long a successful token lookup is reused
// without reading the store again. Every write transaction of the service
// (revoking, logging out, disabling an account, changing a client) empties
// the cache at once in this process; another process sharing a PostgreSQL
// database sees such a change after at most TokenCacheTTL.
const TokenCacheTTL = 2 * time.Second

// maxCachedTokens bounds the cache; when it is full it starts afresh.
const maxCachedTokens = 10000

// tokenCache remembers recent successful lookups of tokens, so that an
// API request does not read four records (grant, family, client, account)
// in a transaction of its own: a fifth of a search's CPU on SQLite, and
// six round trips on PostgreSQL. Entries are keyed by the token's hash,
// never the token. An entry is good while no write transaction of the
// service has finished since the lookup began (gen), and until the store's
// clock reaches the earlier of the grant's expiry and TokenCacheTTL after
// the lookup.
type tokenCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]cachedGrant
}

type cachedGrant struct {
	g     Grant
	acct  *Account
	c     Client
	gen   uint64
	until time.Time
}

// get returns the cached lookup of key if it is still good at now.
func (tc *tokenCache) get(key string, now time.Time) (Grant, *Account, Client, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e, ok := tc.m[key]
	if !ok {
		return Grant{}, nil, Client{}, false
	}
	if e.gen != tc.gen.Load() || !now.Before(e.until) {
		delete(tc.m, key)
		return Grant{}, nil, Client{}, false
	}
	var acct *Account
	if e.acct != nil {
		a := *e.acct // callers get their own copy
		acct = &a
	}
	return e.g, acct, e.c, true
}

// put caches a lookup that began at now, when the generation was gen.
func (tc *tokenCache) put(key string, g Grant, acct *Account, c Client, gen uint64, now time.Time) {
	until := now.Add(TokenCacheTTL)
	if !g.Expires.IsZero() && g.Expires.Before(until) {
		until = g.Expires
	}
	var own *Account
	if acct != nil {
		a := *acct
		own = &a
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if gen != tc.gen.Load() {
		return // written meanwhile: what was read may be stale
	}
	if tc.m == nil || len(tc.m) >= maxCachedTokens {
		tc.m = make(map[string]cachedGrant)
	}
	tc.m[key] = cachedGrant{g: g, acct: own, c: c, gen: gen, until: until}
}

// invalidatingStore is the service's store: every write transaction, when
// it returns (committed or not), invalidates the token cache.
type invalidatingStore struct {
	store.Store
	tokens *tokenCache
}

func (s invalidatingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	defer s.tokens.gen.Add(1)
	return s.Store.Update(ctx, fn)
}
