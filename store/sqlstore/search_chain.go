package sqlstore

import (
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
)

// chainCond writes the condition on idx_ref row alias x of a chained
// filter ("subject:Patient.name=x"): the reference points to a current
// resource of a target type that matches the chained filter.
func (s *sqlBuilder) chainCond(x string, f *search.Filter) error {
	targets := s.chainTargets(f)
	if len(targets) == 0 {
		return fhir.Errorf(fhir.IssueInvalid, "no target type of %q has the search parameter %q", f.Param.Code, f.Chain.Param.Code)
	}
	s.w("(")
	for i, t := range targets {
		if i > 0 {
			s.w(" OR ")
		}
		inner := *f.Chain
		inner.Param = t.param
		r2 := s.newAlias("r")
		s.w("(", x, ".target_type = ")
		s.arg(t.typ)
		s.w(" AND ", x, ".target_id IN (SELECT ", r2, ".res_id")
		if _, err := s.fromWhere(r2, "", []string{t.typ}, false, []search.Filter{inner}); err != nil {
			return err
		}
		s.w("))")
	}
	s.w(")")
	return nil
}

type chainTarget struct {
	typ   string
	param *search.Param
}

// chainTargets returns the target types of a chain that have the chained
// parameter, with that parameter as defined on each.
func (s *sqlBuilder) chainTargets(f *search.Filter) []chainTarget {
	if f.Chain.Param == nil {
		return nil
	}
	code := f.Chain.Param.Code
	var types []string
	if f.TargetType != "" {
		types = []string{f.TargetType}
	} else {
		types = f.Param.Targets
	}
	var out []chainTarget
	for _, typ := range types {
		if p := s.lookup(typ, code); p != nil {
			out = append(out, chainTarget{typ, p})
		}
	}
	return out
}

// has writes a reverse chain ("_has:Observation:patient:code=x") on
// resource row alias r: resources that a current resource of type h.Type
// references through h.Ref and that matches h.Filter. The referring
// matches are found first, then their references through the rid index.
func (s *sqlBuilder) has(r string, types []string, h *search.Has) error {
	if s.broadHas[h] {
		return s.broadHasCond(r, h)
	}
	x := s.newAlias("x")
	r2 := s.newAlias("r")
	m := s.newAlias("m")
	s.w(r, ".res_id IN (SELECT ", x, ".target_id FROM (SELECT ", r2, ".rid AS rid")
	if _, err := s.fromWhere(r2, "", []string{h.Type}, false, []search.Filter{h.Filter}); err != nil {
		return err
	}
	s.w(") ", m, " ", s.join, " idx_ref ", x, " ON ", x, ".rid = ", m, ".rid WHERE ")
	if err := s.pidCond(x+".pid", []string{h.Type}, h.Ref.Code); err != nil {
		return err
	}
	s.w(" AND ", x, ".target_type IN (", placeholders(len(types)), "))")
	for _, t := range types {
		s.args = append(s.args, t)
	}
	return nil
}

// broadHasCond writes a reverse chain as a test of one candidate r: some
// current resource of type h.Type references r through h.Ref and matches
// h.Filter. The references to r are few; the referring matches may be
// many, which is why this form is chosen for them (see probeHas).
func (s *sqlBuilder) broadHasCond(r string, h *search.Has) error {
	x := s.newAlias("x")
	r2 := s.newAlias("r")
	s.w("EXISTS (SELECT 1 FROM idx_ref ", x, " JOIN resources ", r2, " ON ", r2, ".rid = ", x, ".rid WHERE ")
	if err := s.pidCond(x+".pid", []string{h.Type}, h.Ref.Code); err != nil {
		return err
	}
	s.w(" AND ", x, ".target_id = ", r, ".res_id AND ", x, ".target_type = ", r, ".res_type AND ", r2, ".deleted = 0 AND ")
	if err := s.filter(r2, []string{h.Type}, &h.Filter); err != nil {
		return err
	}
	s.w(s.perRow, ")")
	return nil
}
