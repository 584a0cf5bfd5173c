package resources

import (
	"context"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// refResolver rewrites the references of resources written by a bundle:
// fullUrls of other entries become "Type/id", and conditional references
// ("Organization?identifier=x|1") become the single resource they match,
// looked up both in the store and among the bundle's own resources.
type refResolver struct {
	s        *Service
	tx       store.Tx
	byURL    map[string]string // fullUrl -> "Type/id"
	inBundle []*op             // entries whose resources will be written
	cache    map[string]string // conditional reference -> "Type/id"
	undo     *undoLog          // records each rewrite
}

// rewrite rewrites every Reference.reference inside res, those of contained
// resources included (they resolve alike), recording each change in r.undo.
func (r *refResolver) rewrite(ctx context.Context, res map[string]any, path string) error {
	for k, v := range res {
		if err := r.walk(ctx, v, path+"."+k, k == "reference"); err != nil {
			return err
		}
		if k == "reference" {
			if s, ok := v.(string); ok {
				nv, err := r.resolve(ctx, s, path+".reference")
				if err != nil {
					return err
				}
				if nv != s {
					r.undo.set(res, k, nv)
				}
			}
		}
	}
	return nil
}

func (r *refResolver) walk(ctx context.Context, v any, path string, isRef bool) error {
	switch x := v.(type) {
	case map[string]any:
		return r.rewrite(ctx, x, path)
	case []any:
		for _, e := range x {
			if err := r.walk(ctx, e, path, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *refResolver) resolve(ctx context.Context, ref, path string) (string, error) {
	if t, ok := r.byURL[ref]; ok {
		return t, nil
	}
	if strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:") {
		return "", fhir.ErrorAt(fhir.IssueProcessing, path, "reference %q names no entry of this bundle", ref)
	}
	typ, query, ok := strings.Cut(ref, "?")
	if !ok || strings.Contains(typ, "/") || !r.s.opts.IsResourceType(typ) {
		return ref, nil
	}
	if t, ok := r.cache[ref]; ok {
		return t, nil
	}
	c, err := ParseCriteria(typ, query)
	if err != nil {
		return "", fhir.ErrorAt(fhir.CodeOf(err), path, "conditional reference %q: %v", ref, err)
	}
	ids, err := c.Find(ctx, r.tx, 2)
	if err != nil {
		return "", err
	}
	found := map[string]bool{}
	for _, id := range ids {
		found[typ+"/"+id] = true
	}
	for _, o := range r.inBundle {
		if o.typ == typ && o.resource != nil {
			_, id, _ := strings.Cut(o.target, "/")
			if c.Matches(id, o.resource) {
				found[o.target] = true
			}
		}
	}
	switch len(found) {
	case 0:
		return "", fhir.ErrorAt(fhir.IssueNotFound, path, "conditional reference %q matches no resource", ref).WithStatus(412)
	case 1:
		for t := range found {
			if r.cache == nil {
				r.cache = map[string]string{}
			}
			r.cache[ref] = t
			return t, nil
		}
	}
	return "", fhir.ErrorAt(fhir.IssueMultiple, path, "conditional reference %q matches %d resources", ref, len(found)).WithStatus(412)
}
