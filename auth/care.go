package auth

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/yitong-health/yitong/resources"
)

// CareWindow is how long after an encounter or appointment the
// practitioner keeps access to the patient's record (follow-up, results
// arriving later).
const CareWindow = 90 * 24 * time.Hour

// maxCareLinks bounds the resources read per relationship kind.
const maxCareLinks = 1000

// careQueries are the resources that link a practitioner to a patient,
// with the search that finds them. "{p}" is the practitioner reference,
// "{since}" the start of the care window.
var careQueries = []struct{ typ, query string }{
	{"Encounter", "participant={p}&date=ge{since}"},
	{"Encounter", "participant={p}&status=planned,arrived,triaged,in-progress,onleave"},
	{"Appointment", "actor={p}&date=ge{since}&status:not=cancelled"},
	{"EpisodeOfCare", "care-manager={p}&status=active"},
	{"CareTeam", "participant={p}&status=active"},
	{"ServiceRequest", "performer={p}&status=active"},
}

// Care finds care relationships and consent refusals in the FHIR data.
type Care struct {
	Service *resources.Service
	Now     func() time.Time
	// TTL caches a practitioner's patients this long (0: no cache).
	TTL time.Duration

	mu    sync.Mutex
	cache map[string]careEntry
}

type careEntry struct {
	patients []string
	at       time.Time
}

// PatientsInCare implements CareFinder: the patients in the compartments
// of the practitioner's open encounters, encounters and appointments of
// the last CareWindow, active episodes of care (family-doctor contracts), care
// teams and referrals to them; less patients with an active Consent that
// denies the practitioner's organization.
func (c *Care) PatientsInCare(ctx context.Context, practitioner, org string) ([]string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	key := practitioner + "|" + org
	if c.TTL > 0 {
		c.mu.Lock()
		e, ok := c.cache[key]
		c.mu.Unlock()
		if ok && now().Sub(e.at) < c.TTL {
			return e.patients, nil
		}
	}
	since := now().Add(-CareWindow).UTC().Format("2006-01-02")
	found := map[string]bool{}
	for _, q := range careQueries {
		vals, err := url.ParseQuery(q.query)
		if err != nil {
			return nil, err
		}
		for k, vs := range vals {
			for i, v := range vs {
				switch v {
				case "{p}":
					vs[i] = "Practitioner/" + practitioner
				case "ge{since}":
					vs[i] = "ge" + since
				}
			}
			vals[k] = vs
		}
		if err := c.collect(ctx, q.typ, vals, nil, found); err != nil {
			return nil, err
		}
	}
	if org != "" {
		refused := map[string]bool{}
		vals := url.Values{"actor": {"Organization/" + org}, "status": {"active"}}
		if err := c.collect(ctx, "Consent", vals, denies, refused); err != nil {
			return nil, err
		}
		for p := range refused {
			delete(found, p)
		}
	}
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	if c.TTL > 0 {
		c.mu.Lock()
		if c.cache == nil {
			c.cache = map[string]careEntry{}
		}
		c.cache[key] = careEntry{patients: out, at: now()}
		c.mu.Unlock()
	}
	return out, nil
}

// collect adds the patients of the typ resources matching vals (those
// keep accepts; nil keeps all).
func (c *Care) collect(ctx context.Context, typ string, vals url.Values, keep func(map[string]any) bool, into map[string]bool) error {
	vals.Set("_count", strconv.Itoa(maxCareLinks))
	res, err := c.Service.Search(ctx, typ, vals, resources.SearchOptions{})
	if err != nil {
		return err
	}
	for _, v := range res.Page.Matches {
		if keep != nil {
			body, err := decode(v.Body)
			if err != nil {
				return err
			}
			if !keep(body) {
				continue
			}
		}
		ps, err := c.Service.PatientsOf(v)
		if err != nil {
			return err
		}
		for _, p := range ps {
			into[p] = true
		}
	}
	return nil
}

// denies keeps consents whose provision refuses access.
func denies(consent map[string]any) bool {
	prov, _ := consent["provision"].(map[string]any)
	t, _ := prov["type"].(string)
	return t == "deny"
}
