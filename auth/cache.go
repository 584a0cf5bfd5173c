package auth

import (
	"context"
	"sync"
	"time"
)

// CachedRegistrations remembers each practitioner's registration status
// for TTL, so that a clinician's requests do not each search the
// registrations. A registration ended (or begun) takes effect within TTL.
type CachedRegistrations struct {
	Registry Registrations
	TTL      time.Duration
	Now      func() time.Time

	mu   sync.Mutex
	seen map[string]cachedStatus
}

type cachedStatus struct {
	active bool
	at     time.Time
}

// Active implements Registrations.
func (c *CachedRegistrations) Active(ctx context.Context, practitioner string) (bool, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.mu.Lock()
	st, ok := c.seen[practitioner]
	c.mu.Unlock()
	if ok && now().Sub(st.at) < c.TTL {
		return st.active, nil
	}
	active, err := c.Registry.Active(ctx, practitioner)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	if c.seen == nil {
		c.seen = map[string]cachedStatus{}
	}
	c.seen[practitioner] = cachedStatus{active: active, at: now()}
	c.mu.Unlock()
	return active, nil
}
