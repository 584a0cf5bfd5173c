package search

import (
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
)

// Parse parses the query parameters of a search on resourceType ("" for a
// system-level search) into a Query, following the R4 search specification
// (http://hl7.org/fhir/R4/search.html).
//
// Parameters are read in sorted name order and each name's values in the
// order given, so equal inputs give equal Queries. A repeated parameter
// gives one Filter per occurrence (AND); the comma-separated values of one
// occurrence are the Filter's Values (OR).
//
// In a system-level search only the parameters of Resource (_id,
// _lastUpdated, _tag, _security, _profile, _source, _content) are allowed,
// plus, when _type lists types, the parameters defined with the same type
// on every listed type. Filter.Param (and SortKey.Param) is then the Param
// of the first listed type, or of "Resource"; backends resolve the Param of
// each type with Registry.Lookup(type, Param.Code), which Parse guarantees
// to succeed with the same Type. The same holds for a chain that names no
// type: its Param is that of the first target type (in sorted order) that
// has the chained parameter.
//
// Query.Count is DefaultCount when _count is absent, so 0 always means an
// explicit _count=0.
//
// Errors are *fhir.Error values: not-supported for an unknown or
// unsupported parameter (and for known but unsupported modifiers such as
// :in), too-costly for a limit exceeded, and invalid otherwise; the
// diagnostics name the parameter and the problem and repeat at most 100
// bytes of any value. Under opts.Lenient, unknown and unsupported
// parameters and empty values are recorded in Query.Ignored instead. Parse
// never panics.
func Parse(resourceType string, values url.Values, opts ParseOptions) (*Query, error) {
	opts = opts.withDefaults()
	if resourceType != "" && (!spec.IsResourceType(resourceType) || !opts.Registry.HasType(resourceType)) {
		return nil, fhir.Errorf(fhir.IssueNotSupported, "resource type %s is not supported", clip(resourceType))
	}
	n := 0
	for _, vs := range values {
		n += len(vs)
	}
	if n > opts.MaxParams {
		return nil, fhir.Errorf(fhir.IssueTooCostly, "the search has %d parameters; the limit is %d", n, opts.MaxParams)
	}
	p := &parser{opts: opts, reg: opts.Registry, q: &Query{Type: resourceType, Count: opts.DefaultCount}, seen: map[string]bool{}}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// _type comes first: it decides which parameters the others may use.
	if vs, ok := values["_type"]; ok {
		for _, v := range vs {
			if err := p.param("_type", v); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range keys {
		if k == "_type" {
			continue
		}
		for _, v := range values[k] {
			if err := p.param(k, v); err != nil {
				return nil, err
			}
		}
	}
	return p.q, nil
}

// parser holds the state of one Parse call.
type parser struct {
	opts     ParseOptions
	reg      *Registry
	q        *Query
	seen     map[string]bool // single-valued result parameters already given
	includes int
}

// ignorable is an error that lenient handling turns into a Query.Ignored
// entry: an unknown or unsupported parameter, or an empty value.
type ignorable struct {
	err    *fhir.Error
	reason string
}

func (e *ignorable) Error() string { return e.err.Error() }

// param parses one occurrence of the parameter written as name.
func (p *parser) param(name, value string) error {
	if len(name) > p.opts.MaxValueLength {
		return fhir.Errorf(fhir.IssueTooCostly, "a parameter name is %d bytes long; the limit is %d", len(name), p.opts.MaxValueLength)
	}
	if len(value) > p.opts.MaxValueLength {
		return paramError(fhir.IssueTooCostly, name, "the value is %d bytes long; the limit is %d", len(value), p.opts.MaxValueLength)
	}
	if slices.Contains(p.opts.Skip, name) {
		return nil
	}
	// Names and values are text: a NUL byte or invalid UTF-8 can match
	// nothing, and databases refuse them in text parameters.
	if !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 {
		return fhir.Errorf(fhir.IssueInvalid, "a parameter name contains a NUL byte or is not valid UTF-8")
	}
	if !utf8.ValidString(value) || strings.IndexByte(value, 0) >= 0 {
		return paramError(fhir.IssueInvalid, name, "the value contains a NUL byte or is not valid UTF-8")
	}
	err := p.dispatch(name, value)
	var ig *ignorable
	if errors.As(err, &ig) {
		if p.opts.Lenient {
			p.q.Ignored = append(p.q.Ignored, Ignored{Name: truncate(name), Reason: ig.reason})
			return nil
		}
		return ig.err
	}
	return err
}

// dispatch sends the occurrence to the parser of its kind.
func (p *parser) dispatch(name, value string) error {
	code := name
	if i := strings.IndexAny(name, ":."); i >= 0 {
		code = name[:i]
	}
	switch {
	case code == "_has":
		return p.filter(name, value)
	case isResultParam(code):
		if value == "" && code != "_format" && code != "_pretty" {
			return emptyValue(name)
		}
		return p.result(code, name, value)
	case notSupported[code] != "":
		return &ignorable{
			err:    paramError(fhir.IssueNotSupported, name, "%s is not supported", notSupported[code]),
			reason: notSupported[code] + " is not supported",
		}
	}
	return p.filter(name, value)
}

// notSupported are the R4 parameters this parser knows and refuses, with a
// description for messages.
var notSupported = map[string]string{
	"_contained":     "searching contained resources",
	"_containedType": "returning contained resources",
	"_query":         "named queries",
	"_filter":        "the _filter expression language",
	"_list":          "searching by List",
}

// emptyValue is the ignorable error of a parameter without a value.
func emptyValue(name string) error {
	return &ignorable{err: invalid(name, "has an empty value"), reason: "empty value"}
}

// unknownParam is the ignorable error of a parameter the searched types do
// not have.
func unknownParam(name, code string, types []string) error {
	where := strings.Join(types, ", ")
	if where == "Resource" {
		where = "a system-level search (use _type to search parameters of given types)"
	}
	what := "unknown search parameter"
	if code != name {
		what += " " + clip(code)
	}
	return &ignorable{
		err:    paramError(fhir.IssueNotSupported, name, "%s for %s; Prefer: handling=lenient ignores it", what, where),
		reason: "unknown search parameter",
	}
}

// searchTypes are the types whose parameters a top-level filter may use:
// the searched type, else the _type list, else Resource.
func (p *parser) searchTypes() []string {
	if p.q.Type != "" {
		return []string{p.q.Type}
	}
	if len(p.q.Types) > 0 {
		return p.q.Types
	}
	return []string{"Resource"}
}
