package resources

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/fhirpath"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/index"
	"github.com/yitong-health/yitong/store"
)

// searchConfig is the search configuration in force. parse is the registry
// searches are parsed with; writes are indexed by extractor, built on
// indexReg. During a reindex that adds parameters, writes already index
// them while searches do not offer them until the reindex is complete.
type searchConfig struct {
	parse     *search.Registry
	indexReg  *search.Registry
	extractor *index.Extractor
	// applied lists the custom SearchParameter versions in force
	// ("SearchParameter/id/_history/n"), sorted.
	applied []string
}

// Registry returns the search parameters searches may use now.
func (s *Service) Registry() *search.Registry { return s.search.Load().parse }

// indexResource extracts the index entries of res with the configuration
// in force.
func (s *Service) indexResource(res map[string]any) (store.Index, error) {
	return s.search.Load().extractor.Index(res)
}

// appliedText is what the store records the index reflects: the
// extractor's version and the custom SearchParameter versions.
func appliedText(refs []string) string {
	return strings.Join(append([]string{"index " + index.Version}, refs...), "\n")
}

// parseApplied returns the SearchParameter versions of an applied text.
func parseApplied(text string) []string {
	var refs []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "SearchParameter/") {
			refs = append(refs, l)
		}
	}
	return refs
}

// PrepareSearch puts the search configuration the store records in force:
// the custom SearchParameter versions the last reindex applied. When the
// index reflects another extractor version (or nothing yet), it asks for a
// reindex. It returns the key a pending reindex continues from (-1: none);
// callers run Reindex before serving.
func (s *Service) PrepareSearch(ctx context.Context) (int64, error) {
	var state store.SearchState
	var cfg *searchConfig
	err := s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if state, err = tx.SearchState(ctx); err != nil {
			return err
		}
		refs := parseApplied(state.Applied)
		var defs []map[string]any
		for _, ref := range refs {
			v, err := versionOf(ctx, tx, ref)
			if err != nil {
				return fmt.Errorf("search parameter %s applied by the last reindex: %w", ref, err)
			}
			res, err := decodeVersion(v)
			if err != nil {
				return err
			}
			defs = append(defs, res)
		}
		reg, err := registryWith(defs)
		if err != nil {
			return err
		}
		cfg = newSearchConfig(reg, reg, refs)
		if want := appliedText(refs); state.Applied != want {
			if err := tx.RequestReindex(ctx, want); err != nil {
				return err
			}
			state, err = tx.SearchState(ctx)
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.search.Store(cfg)
	return state.ReindexFrom, nil
}

func newSearchConfig(parse, indexReg *search.Registry, applied []string) *searchConfig {
	return &searchConfig{parse: parse, indexReg: indexReg, extractor: index.New(indexReg, index.Default().Zone()), applied: applied}
}

// versionOf reads "Type/id/_history/n".
func versionOf(ctx context.Context, tx store.Tx, ref string) (store.Version, error) {
	parts := strings.Split(ref, "/")
	if len(parts) != 4 || parts[2] != "_history" {
		return store.Version{}, fmt.Errorf("malformed version reference %q", ref)
	}
	var n int64
	if _, err := fmt.Sscan(parts[3], &n); err != nil {
		return store.Version{}, fmt.Errorf("malformed version reference %q", ref)
	}
	return tx.Version(ctx, parts[0], parts[1], n)
}

// registryWith returns a registry of the R4 parameters plus the custom
// SearchParameter resources defs (each for every base it names). A
// definition that cannot apply is an invalid error naming it.
func registryWith(defs []map[string]any) (*search.Registry, error) {
	if len(defs) == 0 {
		return search.DefaultRegistry(), nil
	}
	reg := search.NewRegistry()
	for _, d := range defs {
		ps, err := paramsOf(reg, d)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if err := reg.Add(p); err != nil {
				return nil, fhir.Errorf(fhir.IssueInvalid, "SearchParameter/%v (%s on %s): %v", d["id"], p.Code, p.Resource, err)
			}
		}
	}
	return reg, nil
}

// paramTypes maps SearchParameter.type codes to search types.
var paramTypes = map[string]search.Type{
	"number": search.TypeNumber, "date": search.TypeDate, "string": search.TypeString,
	"token": search.TypeToken, "reference": search.TypeReference, "composite": search.TypeComposite,
	"quantity": search.TypeQuantity, "uri": search.TypeURI,
}

// paramsOf converts a SearchParameter resource to one Param per base.
func paramsOf(reg *search.Registry, d map[string]any) ([]*search.Param, error) {
	id, _ := d["id"].(string)
	bad := func(format string, args ...any) error {
		return fhir.Errorf(fhir.IssueInvalid, "SearchParameter/%s: %s", id, fmt.Sprintf(format, args...))
	}
	code, _ := d["code"].(string)
	url, _ := d["url"].(string)
	expr, _ := d["expression"].(string)
	typ, ok := paramTypes[fmt.Sprint(d["type"])]
	if !ok {
		return nil, bad("type %v cannot be searched (number, date, string, token, reference, composite, quantity, uri)", d["type"])
	}
	if code == "" || expr == "" {
		return nil, bad("a custom search parameter needs a code and an expression")
	}
	if _, err := fhirpath.Compile(expr); err != nil {
		return nil, bad("expression: %v", err)
	}
	var out []*search.Param
	for _, b := range strs(d["base"]) {
		p := &search.Param{Code: code, Resource: b, Type: typ, URL: url, Expression: expr, Targets: strs(d["target"])}
		comps, _ := d["component"].([]any)
		for _, c := range comps {
			cm, _ := c.(map[string]any)
			def, _ := cm["definition"].(string)
			cexpr, _ := cm["expression"].(string)
			cp := reg.LookupURL(b, def)
			if cp == nil {
				return nil, bad("component %s is not a search parameter of %s", def, b)
			}
			if _, err := fhirpath.Compile(cexpr); err != nil {
				return nil, bad("component expression: %v", err)
			}
			p.Components = append(p.Components, search.Component{Param: cp, Expression: cexpr})
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, bad("no base resource type")
	}
	return out, nil
}

// strs returns the strings of a JSON array (or a lone string).
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// activeSearchParameters returns the current SearchParameter resources
// with status active and their version references, sorted.
func activeSearchParameters(ctx context.Context, tx store.Tx) ([]map[string]any, []string, error) {
	var defs []map[string]any
	var refs []string
	q := store.CurrentQuery{Types: []string{"SearchParameter"}, Count: 500}
	for {
		vs, err := tx.ListCurrent(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		for _, v := range vs {
			res, err := decodeVersion(v)
			if err != nil {
				return nil, nil, err
			}
			if res["status"] != "active" {
				continue
			}
			defs = append(defs, res)
			refs = append(refs, fmt.Sprintf("SearchParameter/%s/_history/%d", v.ID, v.VersionID))
		}
		if len(vs) < q.Count {
			break
		}
		q.AfterType, q.AfterID = "SearchParameter", vs[len(vs)-1].ID
	}
	sort.Strings(refs)
	return defs, refs, nil
}
