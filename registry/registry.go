// Package registry is practitioner registration (执业备案): an
// institution admin registers a doctor, nurse or pharmacist with licence
// number, practice category and scope and years of independent practice,
// with the institution's consent; a practitioner registered at a second
// institution is a multi-site registration. The registration is FHIR data
// (a Practitioner with its licence as a qualification, and a
// PractitionerRole at the institution); only an active registration lets a
// practitioner act online (RULES.md A4-A5).
package registry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/rules"
)

// Naming and code systems (docs/SECURITY.md).
const (
	LicenceSystem      = "https://yitong.health/fhir/NamingSystem/practitioner-licence"
	CategorySystem     = "https://yitong.health/fhir/CodeSystem/practice-category"
	RoleSystem         = "https://yitong.health/fhir/CodeSystem/practitioner-role"
	RegistrationURL    = "https://yitong.health/fhir/StructureDefinition/practice-registration"
	shanghaiDateFormat = "2006-01-02"
)

// Categories are the practice categories (执业类别) by role.
var Categories = map[string][]string{
	"doctor":     {"clinical", "tcm", "dental", "public-health"},
	"nurse":      {"nursing"},
	"pharmacist": {"pharmacy", "tcm-pharmacy"},
}

// Registration is what an institution admin submits.
type Registration struct {
	Name, Gender string
	Licence      string
	Role         string // doctor, nurse, pharmacist
	Category     string
	Scope        string // 执业范围, e.g. 内科专业
	// IndependentSince is when independent clinical practice began.
	IndependentSince time.Time
	Organization     string
	// Consent records that the registering institution agrees (A5).
	Consent bool
}

// Refusal is a registration the rules refuse; Field names the input.
type Refusal struct {
	Field, Reason string
}

func (r *Refusal) Error() string { return "registry: " + r.Field + ": " + r.Reason }

// Result is a stored registration.
type Result struct {
	Practitioner, Role string
	MultiSite          bool
	// Rule is the version of rule A5 that allowed it.
	Rule string
}

// Registry registers practitioners.
type Registry struct {
	Service *resources.Service
	Now     func() time.Time
}

var licenceRE = regexp.MustCompile(`^[0-9A-Za-z]{6,30}$`)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func (g *Registry) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Check applies the rules to r on the day of now (Asia/Shanghai) and
// returns the rule version that allows it, or a *Refusal.
func Check(r Registration, now time.Time) (string, error) {
	today := now.In(shanghai).Format(shanghaiDateFormat)
	switch {
	case strings.TrimSpace(r.Name) == "":
		return "", &Refusal{"name", "required"}
	case !licenceRE.MatchString(r.Licence):
		return "", &Refusal{"licence", "6-30 letters and digits"}
	case !slices.Contains(Categories[r.Role], r.Category):
		return "", &Refusal{"category", "not a practice category of the role"}
	case strings.TrimSpace(r.Scope) == "":
		return "", &Refusal{"scope", "required"}
	case r.Organization == "":
		return "", &Refusal{"organization", "required"}
	case !r.Consent:
		return "", &Refusal{"consent", "the registering institution must consent (A5)"}
	case r.IndependentSince.IsZero() || r.IndependentSince.Format(shanghaiDateFormat) > today:
		return "", &Refusal{"independentSince", "a date not in the future"}
	}
	rule, ok := rules.PracticeAt(today)
	if !ok {
		return "", errors.New("registry: no practice rule in force")
	}
	todayT, _ := time.Parse(shanghaiDateFormat, today)
	if r.Role == "doctor" && rules.YearsBetween(r.IndependentSince, todayT) < rule.MinIndependentYears {
		return "", &Refusal{"independentSince", fmt.Sprintf("at least %d years of independent practice (%s %s)", rule.MinIndependentYears, rule.ID, rule.Version)}
	}
	return rule.ID + " " + rule.Version, nil
}

// Register checks r and stores it: the Practitioner (found by licence, or
// created) and a new active PractitionerRole at r.Organization, in one
// transaction. A practitioner already active at another institution gets
// a multi-site registration; one already active at this institution is a
// conflict.
func (g *Registry) Register(ctx context.Context, r Registration) (Result, error) {
	now := g.now()
	rule, err := Check(r, now)
	if err != nil {
		return Result{}, err
	}
	existing, err := g.rolesOfLicence(ctx, r.Licence)
	if err != nil {
		return Result{}, err
	}
	multi := false
	for _, role := range existing {
		if refID(role, "organization") == "Organization/"+r.Organization {
			return Result{}, &Refusal{"duplicate", "the licence is already registered at this institution"}
		}
		multi = true
	}
	prac := map[string]any{
		"resourceType": "Practitioner", "active": true,
		"identifier": []any{map[string]any{"system": LicenceSystem, "value": r.Licence}},
		"name":       []any{map[string]any{"text": r.Name}},
		"qualification": []any{map[string]any{
			"identifier": []any{map[string]any{"system": LicenceSystem, "value": r.Licence}},
			"code":       map[string]any{"coding": []any{map[string]any{"system": CategorySystem, "code": r.Category}}},
			"period":     map[string]any{"start": r.IndependentSince.Format(shanghaiDateFormat)},
		}},
	}
	if r.Gender != "" {
		prac["gender"] = r.Gender
	}
	role := map[string]any{
		"resourceType": "PractitionerRole", "active": true,
		"period":       map[string]any{"start": now.UTC().Format(time.RFC3339)},
		"practitioner": map[string]any{"reference": "urn:uuid:5f1d2c1e-0000-4000-8000-000000000001"},
		"organization": map[string]any{"reference": "Organization/" + r.Organization},
		"code":         []any{map[string]any{"coding": []any{map[string]any{"system": RoleSystem, "code": r.Role}}}},
		"specialty":    []any{map[string]any{"text": r.Scope}},
		"extension": []any{map[string]any{"url": RegistrationURL, "extension": []any{
			map[string]any{"url": "rule", "valueString": rule},
			map[string]any{"url": "institutionConsent", "valueBoolean": true},
			map[string]any{"url": "multiSite", "valueBoolean": multi},
		}}},
	}
	bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		map[string]any{"fullUrl": "urn:uuid:5f1d2c1e-0000-4000-8000-000000000001", "resource": prac,
			"request": map[string]any{"method": "POST", "url": "Practitioner", "ifNoneExist": "identifier=" + url.QueryEscape(LicenceSystem+"|"+r.Licence)}},
		map[string]any{"fullUrl": "urn:uuid:5f1d2c1e-0000-4000-8000-000000000002", "resource": role,
			"request": map[string]any{"method": "POST", "url": "PractitionerRole"}},
	}}
	resp, err := g.Service.Transaction(ctx, bundle)
	if err != nil {
		return Result{}, err
	}
	out := Result{MultiSite: multi, Rule: rule}
	entries, _ := resp.Bundle(resources.ReturnMinimal)["entry"].([]any)
	for i, e := range entries {
		loc, _ := e.(map[string]any)["response"].(map[string]any)["location"].(string)
		parts := strings.Split(loc, "/")
		if len(parts) < 2 {
			return Result{}, fmt.Errorf("registry: entry %d has no location", i)
		}
		if i == 0 {
			out.Practitioner = parts[1]
		} else {
			out.Role = parts[1]
		}
	}
	return out, nil
}

// rolesOfLicence returns the active PractitionerRoles of the practitioner
// holding licence.
func (g *Registry) rolesOfLicence(ctx context.Context, licence string) ([]map[string]any, error) {
	res, err := g.Service.Search(ctx, "PractitionerRole", url.Values{
		"practitioner.identifier": {LicenceSystem + "|" + licence}, "active": {"true"}, "_count": {"100"}}, resources.SearchOptions{})
	if err != nil {
		return nil, err
	}
	return decodeAll(res.Page.Matches)
}

// Active reports whether the practitioner holds an active registration
// now: an active PractitionerRole whose period covers now.
func (g *Registry) Active(ctx context.Context, practitioner string) (bool, error) {
	res, err := g.Service.Search(ctx, "PractitionerRole", url.Values{
		"practitioner": {"Practitioner/" + practitioner}, "active": {"true"}, "_count": {"100"}}, resources.SearchOptions{})
	if err != nil {
		return false, err
	}
	roles, err := decodeAll(res.Page.Matches)
	if err != nil {
		return false, err
	}
	now := g.now()
	for _, r := range roles {
		period, _ := r["period"].(map[string]any)
		if covers(period, now) {
			return true, nil
		}
	}
	return false, nil
}

func covers(period map[string]any, now time.Time) bool {
	if s, _ := period["start"].(string); s != "" {
		if t, err := parseTime(s); err == nil && now.Before(t) {
			return false
		}
	}
	if e, _ := period["end"].(string); e != "" {
		if t, err := parseTime(e); err == nil && !now.Before(t) {
			return false
		}
	}
	return true
}
