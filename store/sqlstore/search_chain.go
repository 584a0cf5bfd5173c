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
	if patientCodeChain(h) {
		// The distinct patients of the code, from one index range.
		p := s.newAlias("p")
		s.w(r, ".res_id IN (SELECT ", p, ".target_id FROM idx_patient_code ", p, " WHERE ")
		if err := s.patientCodeCond(p, h); err != nil {
			return err
		}
		s.w(" AND ", p, ".target_type IN (", placeholders(len(types)), "))")
		for _, t := range types {
			s.args = append(s.args, t)
		}
		return nil
	}
	tb, err := s.hasIndexDriver(h)
	if err != nil {
		return err
	}
	x := s.newAlias("x")
	if tb != nil {
		// The referring matches are the driver's index rows themselves:
		// no resource row is read per match.
		t := s.newAlias("x")
		s.w(r, ".res_id IN (SELECT ", x, ".target_id FROM ", tb.name, " ", t, " ", s.join, " idx_ref ", x, " ON ", x, ".rid = ", t, ".rid WHERE ")
		if err := s.rowCond(t, []string{h.Type}, &h.Filter); err != nil {
			return err
		}
		s.w(" AND ")
	} else {
		r2 := s.newAlias("r")
		m := s.newAlias("m")
		s.w(r, ".res_id IN (SELECT ", x, ".target_id FROM (SELECT ", r2, ".rid AS rid")
		if _, err := s.fromWhere(r2, "", []string{h.Type}, false, []search.Filter{h.Filter}); err != nil {
			return err
		}
		s.w(") ", m, " ", s.join, " idx_ref ", x, " ON ", x, ".rid = ", m, ".rid WHERE ")
	}
	if err := s.pidCond(x+".pid", []string{h.Type}, h.Ref.Code); err != nil {
		return err
	}
	s.w(" AND ", x, ".target_type IN (", placeholders(len(types)), "))")
	for _, t := range types {
		s.args = append(s.args, t)
	}
	return nil
}

// hasIndexDriver returns the index table whose rows alone decide h.Filter
// (a filter that could drive a search by itself, not a reverse chain), or
// nil when the referring resources must be read. Index rows exist only for
// current, non-deleted resources (a delete or update clears them) and a
// parameter number belongs to one resource type, so such rows name exactly
// the referring matches.
func (s *sqlBuilder) hasIndexDriver(h *search.Has) (*indexTable, error) {
	if h.Filter.Has != nil || s.driverRank(&h.Filter) == 0 {
		return nil, nil
	}
	return filterTable(&h.Filter)
}

// broadHasCond writes a reverse chain as a test of one candidate r: some
// current resource of type h.Type references r through h.Ref and matches
// h.Filter. The references to r are few; the referring matches may be
// many, which is why this form is chosen for them (see probeHas). When
// index rows decide h.Filter, their rids are collected once, uncorrelated
// (SQLite builds a temporary index, PostgreSQL a hash), and each reference
// to r is looked up in that set. The IN is written as one side of an OR
// with a false term so that neither planner turns it into a join driven by
// the set (SQLite would look up every rid of the set per candidate, and
// PostgreSQL would pull it up into a semi-join that probes the index per
// reference).
func (s *sqlBuilder) broadHasCond(r string, h *search.Has) error {
	if patientCodeChain(h) {
		// One seek: the candidate's rows for the code.
		p := s.newAlias("p")
		s.w("EXISTS (SELECT 1 FROM idx_patient_code ", p, " WHERE ")
		if err := s.patientCodeCond(p, h); err != nil {
			return err
		}
		s.w(" AND ", p, ".target_type = ", r, ".res_type AND ", p, ".target_id = ", r, ".res_id", s.perRow, ")")
		return nil
	}
	tb, err := s.hasIndexDriver(h)
	if err != nil {
		return err
	}
	x := s.newAlias("x")
	if tb != nil {
		t := s.newAlias("x")
		s.w("EXISTS (SELECT 1 FROM idx_ref ", x, " WHERE ")
		if err := s.pidCond(x+".pid", []string{h.Type}, h.Ref.Code); err != nil {
			return err
		}
		s.w(" AND ", x, ".target_id = ", r, ".res_id AND ", x, ".target_type = ", r, ".res_type AND (", x, ".rid IN (SELECT ", t, ".rid FROM ", tb.name, " ", t, " WHERE ")
		if err := s.rowCond(t, []string{h.Type}, &h.Filter); err != nil {
			return err
		}
		s.w(") OR 1 = 0)", s.perRow, ")")
		return nil
	}
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

// patientCodeChain reports whether idx_patient_code answers h: a reverse
// chain through the "patient" reference whose filter is a plain token
// filter on "code" (no modifier; values with or without a system).
func patientCodeChain(h *search.Has) bool {
	f := &h.Filter
	return h.Ref != nil && h.Ref.Code == patientCodeRef && f.Has == nil && f.Chain == nil && f.Param != nil &&
		f.Param.Code == patientCodeToken && f.Param.Type == search.TypeToken && f.Modifier == search.ModifierNone
}

// patientCodeCond writes the condition on idx_patient_code row alias p for
// h (see patientCodeChain): the row is of a code of h.Type matching
// h.Filter, paired with a reference through h.Ref.
func (s *sqlBuilder) patientCodeCond(p string, h *search.Has) error {
	if err := s.rowCond(p, []string{h.Type}, &h.Filter); err != nil {
		return err
	}
	s.w(" AND ")
	return s.pidCond(p+".ref_pid", []string{h.Type}, h.Ref.Code)
}
