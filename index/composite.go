package index

import (
	"github.com/yitong-health/yitong/fhir/fhirpath"
	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// part is one value of a composite's component, in the fields a
// store.CompositeEntry holds it in.
type part struct {
	code, system string
	num          float64
	lo, hi       int64
}

// addComposite indexes a composite parameter: for each node its expression
// selects, the component expressions are evaluated on that node and every
// combination of their values is one entry, so that the parts of one entry
// always come from the same node (the code and value of one
// Observation.component).
func (b builder) addComposite(c compiled, nodes []fhirpath.Node) error {
	comps := c.p.Components
	if len(comps) < 2 || len(comps) > 3 || len(c.parts) != len(comps) {
		return nil
	}
	for _, n := range nodes {
		values := make([][]part, len(comps))
		for i, e := range c.parts {
			got, err := e.EvaluateNodes([]fhirpath.Node{n})
			if err != nil {
				return err
			}
			values[i] = b.componentParts(comps[i].Param, got)
			if len(values[i]) == 0 {
				break
			}
		}
		b.combine(c.p, values, make([]part, 0, len(comps)))
	}
	return nil
}

// combine appends an entry for every combination of values.
func (b builder) combine(p *search.Param, values [][]part, chosen []part) {
	if len(chosen) == len(values) {
		b.idx.Composites = append(b.idx.Composites, compositeEntry(p, chosen))
		return
	}
	for _, v := range values[len(chosen)] {
		b.combine(p, values, append(chosen, v))
	}
}

// compositeEntry places the chosen parts in the entry's fields by the
// components' types (see store.CompositeEntry).
func compositeEntry(p *search.Param, parts []part) store.CompositeEntry {
	e := store.CompositeEntry{Param: p.Code, ACode: parts[0].code, ASystem: parts[0].system}
	for i := 1; i < len(parts); i++ {
		v := parts[i]
		switch p.Components[i].Param.Type {
		case search.TypeToken, search.TypeString, search.TypeReference, search.TypeURI:
			e.BCode, e.BSystem = v.code, v.system
		case search.TypeQuantity:
			e.BCode, e.BSystem, e.Num = v.code, v.system, v.num
		case search.TypeNumber:
			if i == 1 {
				e.Num = v.num
			} else {
				e.Num2 = v.num
			}
		case search.TypeDate:
			e.Lo, e.Hi = v.lo, v.hi
		}
	}
	return e
}

// componentParts converts the nodes of one component to part values with the same
// rules as ordinary parameters of its type.
func (b builder) componentParts(p *search.Param, nodes []fhirpath.Node) []part {
	var idx store.Index
	// Only a string component keeps idx.Strings; the display texts a
	// token component would add there are not wanted.
	tmp := builder{idx: &idx, zone: b.zone, noText: p.Type != search.TypeString}
	for _, n := range nodes {
		tmp.add(p, n)
	}
	var out []part
	for _, t := range idx.Tokens {
		out = append(out, part{code: t.Code, system: t.System})
	}
	for _, r := range idx.Refs {
		out = append(out, part{code: r.TargetID, system: r.TargetType})
	}
	if p.Type == search.TypeString {
		for _, s := range idx.Strings {
			out = append(out, part{code: s.Norm})
		}
	}
	for _, u := range idx.URIs {
		out = append(out, part{code: u.URI})
	}
	for _, q := range idx.Quantities {
		out = append(out, part{code: q.Code, system: q.System, num: q.Value})
	}
	for _, n := range idx.Numbers {
		out = append(out, part{num: n.Value})
	}
	for _, d := range idx.Dates {
		out = append(out, part{lo: d.Lo, hi: d.Hi})
	}
	return out
}
