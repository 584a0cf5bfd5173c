package registry

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// Entry is one registration as the admin page lists it.
type Entry struct {
	Role, Practitioner        string
	Name, Licence             string
	RoleCode, Category, Scope string
	IndependentSince, Since   string
	Active, MultiSite         bool
	Rule                      string
}

// List returns the registrations at an institution, newest first (at most
// 200).
func (g *Registry) List(ctx context.Context, org string) ([]Entry, error) {
	res, err := g.Service.Search(ctx, "PractitionerRole", url.Values{
		"organization": {"Organization/" + org}, "_include": {"PractitionerRole:practitioner"},
		"_sort": {"-_lastUpdated"}, "_count": {"200"}}, resources.SearchOptions{})
	if err != nil {
		return nil, err
	}
	pracs := map[string]map[string]any{}
	included, err := decodeAll(res.Page.Included)
	if err != nil {
		return nil, err
	}
	for _, p := range included {
		id, _ := p["id"].(string)
		pracs["Practitioner/"+id] = p
	}
	roles, err := decodeAll(res.Page.Matches)
	if err != nil {
		return nil, err
	}
	now := g.now()
	var out []Entry
	for _, r := range roles {
		e := Entry{}
		e.Role, _ = r["id"].(string)
		ref := refID(r, "practitioner")
		e.Practitioner = strings.TrimPrefix(ref, "Practitioner/")
		active, _ := r["active"].(bool)
		period, _ := r["period"].(map[string]any)
		e.Active = active && covers(period, now)
		if s, _ := period["start"].(string); s != "" {
			if t, err := parseTime(s); err == nil {
				e.Since = t.In(shanghai).Format("2006-01-02")
			}
		}
		e.RoleCode = firstCode(r["code"])
		if sp, _ := r["specialty"].([]any); len(sp) > 0 {
			e.Scope, _ = sp[0].(map[string]any)["text"].(string)
		}
		for _, x := range asList(r["extension"]) {
			if x["url"] != RegistrationURL {
				continue
			}
			for _, sub := range asList(x["extension"]) {
				switch sub["url"] {
				case "rule":
					e.Rule, _ = sub["valueString"].(string)
				case "multiSite":
					e.MultiSite, _ = sub["valueBoolean"].(bool)
				}
			}
		}
		if p := pracs[ref]; p != nil {
			if names := asList(p["name"]); len(names) > 0 {
				e.Name, _ = names[0]["text"].(string)
			}
			for _, q := range asList(p["qualification"]) {
				if ids := asList(q["identifier"]); len(ids) > 0 {
					e.Licence, _ = ids[0]["value"].(string)
				}
				if c, _ := q["code"].(map[string]any); c != nil {
					e.Category = firstCode([]any{c})
				}
				if per, _ := q["period"].(map[string]any); per != nil {
					e.IndependentSince, _ = per["start"].(string)
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Deactivate ends a registration at its institution (the practitioner
// leaves): the PractitionerRole becomes inactive with a period end.
func (g *Registry) Deactivate(ctx context.Context, roleID string) error {
	r, err := g.Service.Read(ctx, "PractitionerRole", roleID)
	if err != nil {
		return err
	}
	res := r.Resource
	res["active"] = false
	period, _ := res["period"].(map[string]any)
	if period == nil {
		period = map[string]any{}
	}
	period["end"] = g.now().UTC().Format(time.RFC3339)
	res["period"] = period
	_, err = g.Service.Update(ctx, "PractitionerRole", roleID, res, r.Version.VersionID)
	return err
}

func decodeAll(vs []store.Version) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		m, err := fhir.Decode(v.Body, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func refID(res map[string]any, field string) string {
	ref, _ := res[field].(map[string]any)
	s, _ := ref["reference"].(string)
	return s
}

func asList(v any) []map[string]any {
	xs, _ := v.([]any)
	out := make([]map[string]any, 0, len(xs))
	for _, x := range xs {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func firstCode(v any) string {
	for _, cc := range asList(v) {
		for _, c := range asList(cc["coding"]) {
			if code, _ := c["code"].(string); code != "" {
				return code
			}
		}
	}
	return ""
}

// parseTime reads a FHIR dateTime (RFC 3339) or date (a day in Asia/Shanghai).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", s, shanghai)
}
