package rest

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
)

// access carries a request's principal and the policy's answers for it:
// the decision of the request's own interaction and, per resource type,
// of reading or writing other types it touches (included resources,
// bundle entries).
type access struct {
	p       *auth.Principal
	r       *http.Request
	granted auth.Access
	// reads is set when the request's interaction reads its type (read,
	// vread, search, history, $everything): granted then covers reading it.
	reads  bool
	byType map[string]auth.Access
	denied map[string]error
}

// decide asks the policy, once per (interaction, type) in a request.
func (h *Handler) decide(ctx context.Context, a *access, interaction, typ string) (auth.Access, error) {
	key := interaction + " " + typ
	if acc, ok := a.byType[key]; ok {
		return acc, nil
	}
	if err, ok := a.denied[key]; ok {
		return auth.Access{}, err
	}
	acc, err := h.cfg.Policy.Decide(ctx, a.p, Request{Interaction: interaction, Type: typ, HTTP: a.r})
	if err != nil {
		if a.denied == nil {
			a.denied = map[string]error{}
		}
		a.denied[key] = err
		return auth.Access{}, err
	}
	if a.byType == nil {
		a.byType = map[string]auth.Access{}
	}
	a.byType[key] = acc
	return acc, nil
}

// sees reports whether the caller may read version v.
func (h *Handler) sees(ctx context.Context, c *call, v store.Version) (bool, error) {
	var acc auth.Access
	var err error
	if v.Type == c.typ && c.access.reads {
		acc = c.access.granted // the request's own decision covers its type
	} else {
		acc, err = h.decide(ctx, &c.access, "read", v.Type)
	}
	if err != nil {
		if fhir.CodeOf(err) == fhir.IssueForbidden || fhir.CodeOf(err) == fhir.IssueSecurity {
			return false, nil
		}
		return false, err
	}
	if acc.All {
		return true, nil
	}
	patients, err := h.cfg.Service.PatientsOf(v)
	if err != nil {
		return false, err
	}
	return acc.Reaches(ctx, patients)
}

// visible returns the versions of vs the caller may read.
func (h *Handler) visible(ctx context.Context, c *call, vs []store.Version) ([]store.Version, error) {
	out := vs[:0:0]
	for _, v := range vs {
		ok, err := h.sees(ctx, c, v)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// mustSee refuses a read of v the caller may not see.
func (h *Handler) mustSee(ctx context.Context, c *call, v store.Version) error {
	ok, err := h.sees(ctx, c, v)
	if err != nil {
		return err
	}
	if !ok {
		return auth.Deny(auth.ReasonPatient)
	}
	return nil
}

// restrictSearch narrows a search by a caller limited to some patients to
// their data: a Patient search to their ids, a search of another clinical
// type to resources whose patient (or subject, or first compartment)
// parameter names one of them. Chains and _has, which would test data
// outside that set, are refused. A caller whose patients are admitted by a
// filter (a regulator's region, consent refusals) is not narrowed here:
// the matches are filtered as they are read.
func restrictSearch(c *call, params url.Values) error {
	acc := c.access.granted
	if acc.All || auth.ClassOf(c.typ) != auth.ClassClinical {
		return nil
	}
	for k := range params {
		name, _, _ := strings.Cut(k, ":")
		if strings.HasPrefix(k, "_has") || strings.Contains(name, ".") || strings.Contains(k, ".") {
			return fhir.Errorf(fhir.IssueForbidden, "access denied (role): chained and _has searches are not available to callers limited to some patients' data").WithStatus(403)
		}
	}
	if acc.Filter != nil {
		return nil
	}
	if len(acc.Patients) == 0 {
		return auth.Deny(auth.ReasonPatient)
	}
	if c.typ == "Patient" {
		params.Add("_id", strings.Join(acc.Patients, ","))
		return nil
	}
	refs := make([]string, len(acc.Patients))
	for i, p := range acc.Patients {
		refs[i] = "Patient/" + p
	}
	params.Add(compartmentParam(c.typ), strings.Join(refs, ","))
	return nil
}

// compartmentParam picks the search parameter that restricts typ to
// patients: patient, else subject, else its first compartment parameter.
func compartmentParam(typ string) string {
	names := spec.PatientCompartment()[typ]
	for _, want := range []string{"patient", "subject"} {
		if slices.Contains(names, want) {
			return want
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return "_id" // not a compartment type: no match (restrictSearch checks)
}

// guard checks writes and bundle reads of an account's request against
// the policy (resources.Guard).
type guard struct {
	h *Handler
	c *call
}

func (g guard) Write(ctx context.Context, typ, id string, before, after []string) error {
	interaction := "update"
	switch {
	case before == nil && after != nil:
		interaction = "create"
	case after == nil:
		interaction = "delete"
	}
	acc, err := g.h.decide(ctx, &g.c.access, interaction, typ)
	if err != nil || acc.All {
		return err
	}
	if typ == "Patient" && interaction == "create" {
		return nil // registering a new patient: the role's right to create suffices
	}
	if after == nil && before == nil {
		return auth.Deny(auth.ReasonPatient)
	}
	for _, ps := range [][]string{before, after} {
		if ok, err := acc.Covers(ctx, ps); err != nil || !ok {
			return denyUnless(err)
		}
	}
	return nil
}

// denyUnless returns err, or the patient refusal when err is nil.
func denyUnless(err error) error {
	if err != nil {
		return err
	}
	return auth.Deny(auth.ReasonPatient)
}

func (g guard) Read(ctx context.Context, v store.Version, patients []string) error {
	acc, err := g.h.decide(ctx, &g.c.access, "read", v.Type)
	if err != nil || acc.All {
		return err
	}
	if ok, err := acc.Reaches(ctx, patients); err != nil || !ok {
		return denyUnless(err)
	}
	return nil
}

// withGuard installs the write guard for requests of signed-in people
// (system clients' access is never limited to patients).
func (h *Handler) withGuard(ctx context.Context, c *call) context.Context {
	if c.access.p == nil || c.access.p.Account == nil {
		return ctx
	}
	return resources.WithGuard(ctx, guard{h, c})
}
