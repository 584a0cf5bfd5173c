package resources

import (
	"context"
	"strings"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/store"
)

// MaxEverything bounds the resources one Patient/$everything returns; a
// larger record is a too-costly error that asks for _type or _since.
const MaxEverything = 10000

// EverythingOptions narrow Patient/$everything.
type EverythingOptions struct {
	// Types keeps only resources of these types (empty: all).
	Types []string
	// Since keeps only resources last updated at or after it (zero: all).
	Since time.Time
}

// Everything returns the patient's record (Patient/$everything): the
// Patient, every current resource in its Patient compartment, and the
// resources those reference (practitioners, organizations, locations,
// medications), each once, patient first. A missing patient is not-found,
// a deleted one deleted.
func (s *Service) Everything(ctx context.Context, id string, opts EverythingOptions) ([]store.Version, error) {
	var out []store.Version
	err := s.st.View(ctx, func(tx store.Tx) error {
		p, err := tx.Current(ctx, "Patient", id)
		if err != nil {
			return err
		}
		if p.Deleted {
			return fhir.Errorf(fhir.IssueDeleted, "Patient/%s was deleted", id)
		}
		related, err := tx.Referencing(ctx, "Patient", id, spec.PatientCompartmentSearchParams())
		if err != nil {
			return err
		}
		seen := map[string]bool{"Patient/" + id: true}
		all := append([]store.Version{p}, related...)
		for _, v := range related {
			seen[v.Type+"/"+v.ID] = true
		}
		// Resources the record references, outside the compartment.
		for _, v := range append([]store.Version{p}, related...) {
			res, err := decodeVersion(v)
			if err != nil {
				return err
			}
			for _, ref := range literalRefs(res, nil) {
				if seen[ref] {
					continue
				}
				seen[ref] = true
				typ, rid, _ := strings.Cut(ref, "/")
				t, err := tx.Current(ctx, typ, rid)
				if fhir.CodeOf(err) == fhir.IssueNotFound {
					continue
				}
				if err != nil {
					return err
				}
				if !t.Deleted {
					all = append(all, t)
				}
			}
			if len(all) > MaxEverything {
				return fhir.Errorf(fhir.IssueTooCostly, "the record of Patient/%s has more than %d resources; narrow it with _type or _since", id, MaxEverything)
			}
		}
		want := map[string]bool{}
		for _, t := range opts.Types {
			want[t] = true
		}
		for _, v := range all {
			if (len(want) == 0 || want[v.Type] || v.Type == "Patient" && v.ID == id) && (opts.Since.IsZero() || !v.LastUpdated.Before(opts.Since)) {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// literalRefs appends the "Type/id" targets of the relative literal
// references in v (contained resources and "#" references excluded).
func literalRefs(v any, out []string) []string {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "contained" {
				continue
			}
			if k == "reference" {
				if s, ok := c.(string); ok {
					if typ, id, ok := strings.Cut(s, "/"); ok && spec.IsResourceType(typ) && id != "" && !strings.Contains(id, "/") {
						out = append(out, s)
					}
				}
				continue
			}
			out = literalRefs(c, out)
		}
	case []any:
		for _, c := range x {
			out = literalRefs(c, out)
		}
	}
	return out
}
