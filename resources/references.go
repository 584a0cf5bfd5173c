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
// typ names the resource in error locations.
func (r *refResolver) rewrite(ctx context.Context, res map[string]any, typ string) error {
	path := []string{typ}
	return r.rewriteIn(ctx, res, &path)
}

// rewriteIn walks m; path holds the element names down to m and is joined
// only when a problem is reported.
func (r *refResolver) rewriteIn(ctx context.Context, m map[string]any, path *[]string) error {
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			*path = append(*path, k)
			err := r.rewriteIn(ctx, x, path)
			*path = (*path)[:len(*path)-1]
			if err != nil {
				return err
			}
		case []any:
			*path = append(*path, k)
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					if err := r.rewriteIn(ctx, em, path); err != nil {
						*path = (*path)[:len(*path)-1]
						return err
					}
				}
			}
			*path = (*path)[:len(*path)-1]
		case string:
			if k != "reference" {
				continue
			}
			nv, err := r.resolve(ctx, x, func() string { return strings.Join(*path, ".") + ".reference" })
			if err != nil {
				return err
			}
			if nv != x {
				r.undo.set(m, k, nv)
			}
		}
	}
	return nil
}

// resolve returns what ref becomes; at renders the element's location for
// error messages.
func (r *refResolver) resolve(ctx context.Context, ref string, at func() string) (string, error) {
	if t, ok := r.byURL[ref]; ok {
		return t, nil
	}
	if strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:") {
		return "", fhir.ErrorAt(fhir.IssueProcessing, at(), "reference %q names no entry of this bundle", ref)
	}
	typ, query, ok := strings.Cut(ref, "?")
	if !ok || strings.Contains(typ, "/") || !r.s.opts.IsResourceType(typ) {
		return ref, nil
	}
	if t, ok := r.cache[ref]; ok {
		return t, nil
	}
	c, err := parseCriteria(r.s.Registry(), typ, query)
	if err != nil {
		return "", fhir.ErrorAt(fhir.CodeOf(err), at(), "conditional reference %q: %v", ref, err)
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
			idx, err := r.s.opts.Index(o.resource)
			if err != nil {
				return "", err
			}
			ok, err := c.Matches(o.typ, id, idx)
			if err != nil {
				return "", fhir.ErrorAt(fhir.CodeOf(err), at(), "conditional reference %q: %v", ref, err)
			}
			if ok {
				found[o.target] = true
			}
		}
	}
	switch len(found) {
	case 0:
		return "", fhir.ErrorAt(fhir.IssueNotFound, at(), "conditional reference %q matches no resource", ref).WithStatus(412)
	case 1:
		for t := range found {
			if r.cache == nil {
				r.cache = map[string]string{}
			}
			r.cache[ref] = t
			return t, nil
		}
	}
	return "", fhir.ErrorAt(fhir.IssueMultiple, at(), "conditional reference %q matches %d resources", ref, len(found)).WithStatus(412)
}
