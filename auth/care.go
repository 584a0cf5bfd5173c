package auth

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
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
// teams and referrals to them; less patients whose active Consent refuses
// the practitioner's organization or treatment (see Refused).
func (c *Care) PatientsInCare(ctx context.Context, practitioner, org string) ([]string, error) {
	key := "care|" + practitioner + "|" + org
	if ps, ok := c.cached(key); ok {
		return ps, nil
	}
	since := c.now().Add(-CareWindow).UTC().Format("2006-01-02")
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
	refused, err := c.Refused(ctx, org, identity.PurposeTreatment)
	if err != nil {
		return nil, err
	}
	for _, p := range refused {
		delete(found, p)
	}
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	c.store(key, out)
	return out, nil
}

// Refused implements Refusals: the patients of active Consents whose
// provision denies access now (type deny, within its period) to org or
// for purpose. A provision naming actors applies only to those
// institutions, one naming purposes only to those purposes; one naming
// neither refuses everyone. Refusals are cached as long as care
// relationships.
func (c *Care) Refused(ctx context.Context, org, purpose string) ([]string, error) {
	key := "refused|" + org + "|" + purpose
	if ps, ok := c.cached(key); ok {
		return ps, nil
	}
	keep := func(consent map[string]any) bool { return c.denies(consent, org, purpose) }
	found := map[string]bool{}
	queries := []url.Values{
		{"purpose": {identity.PurposeOfUseSystem + "|" + purpose}},
		{"actor:missing": {"true"}, "purpose:missing": {"true"}},
	}
	if org != "" {
		queries = append(queries, url.Values{"actor": {"Organization/" + org}})
	}
	for _, vals := range queries {
		vals.Set("status", "active")
		if err := c.collect(ctx, "Consent", vals, keep, found); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	c.store(key, out)
	return out, nil
}

func (c *Care) cached(key string) ([]string, bool) {
	if c.TTL <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok || c.now().Sub(e.at) >= c.TTL {
		return nil, false
	}
	return e.patients, true
}

func (c *Care) store(key string, patients []string) {
	if c.TTL <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil {
		c.cache = map[string]careEntry{}
	}
	c.cache[key] = careEntry{patients: patients, at: c.now()}
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
			body, err := fhir.Decode(v.Body, 0)
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

// denies reports whether a consent's provision refuses access now to org
// for purpose: type deny, a period (if any) that covers now, actors (if
// any) that include org, purposes (if any) that include purpose.
func (c *Care) denies(consent map[string]any, org, purpose string) bool {
	prov, _ := consent["provision"].(map[string]any)
	if t, _ := prov["type"].(string); t != "deny" {
		return false
	}
	period, _ := prov["period"].(map[string]any)
	now := c.now()
	if s, _ := period["start"].(string); s != "" {
		if t, ok := parseDay(s); ok && now.Before(t) {
			return false
		}
	}
	if e, _ := period["end"].(string); e != "" {
		if t, ok := parseDay(e); ok && !now.Before(t) {
			return false
		}
	}
	if actors, _ := prov["actor"].([]any); len(actors) > 0 {
		match := false
		for _, a := range actors {
			ref, _ := a.(map[string]any)["reference"].(map[string]any)
			if r, _ := ref["reference"].(string); org != "" && r == "Organization/"+org {
				match = true
			}
		}
		if !match {
			return false
		}
	}
	if codes, _ := prov["purpose"].([]any); len(codes) > 0 {
		match := false
		for _, x := range codes {
			cd, _ := x.(map[string]any)
			if code, _ := cd["code"].(string); code == purpose {
				if sys, _ := cd["system"].(string); sys == "" || sys == identity.PurposeOfUseSystem {
					match = true
				}
			}
		}
		if !match {
			return false
		}
	}
	return true
}

// parseDay reads a FHIR dateTime, or a date as the start of that day in
// Asia/Shanghai (an end date then ends at the start of the day: a refusal
// "until 2026-12-01" no longer holds on that day).
func parseDay(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, shanghai)
	return t, err == nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func (c *Care) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
