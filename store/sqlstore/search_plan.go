package sqlstore

import (
	"github.com/yitong-health/yitong/fhir/search"
)

// driverRank says how well a filter can select the candidate resources of
// a search from its index rows; 0 means it cannot (negations, :missing,
// :contains, :text, _text and _content need every row of the parameter, and _id, _has and
// _lastUpdated are conditions on the resource row). Lower ranks are more
// selective by nature: a reference or a code names few resources, a date
// range many.
func (s *sqlBuilder) driverRank(f *search.Filter) int {
	if f.Has != nil {
		if s.broadHas[f.Has] {
			return 0
		}
		return 3
	}
	if f.Param == nil {
		return 0
	}
	switch {
	case f.Param.Code == "_id", f.Param.Code == "_lastUpdated", search.IsTextParam(f.Param):
		return 0
	}
	switch f.Modifier {
	case search.ModifierNot, search.ModifierMissing, search.ModifierContains, search.ModifierText, search.ModifierAbove:
		return 0
	}
	if f.Chain != nil {
		return 2
	}
	switch f.Param.Type {
	case search.TypeReference:
		return 1
	case search.TypeToken, search.TypeComposite:
		return 2
	case search.TypeString, search.TypeURI:
		return 3
	case search.TypeQuantity, search.TypeNumber:
		return 4
	case search.TypeDate:
		return 5
	}
	return 0
}

// pickDriver returns the index of the filter that selects the candidates,
// or -1 when none can and the resources of the types are scanned.
func (s *sqlBuilder) pickDriver(filters []search.Filter) int {
	best, rank := -1, 0
	for i := range filters {
		if r := s.driverRank(&filters[i]); r > 0 && (best < 0 || r < rank) {
			best, rank = i, r
		}
	}
	return best
}

// fromWhere writes the FROM and WHERE clauses that select current
// resources (row alias r) of types matching every filter; join is written
// after the resource table (e.g. the version join). With a driver filter,
// the candidates are the distinct rids of its index rows, joined to the
// resources in that order (the dialect's join keyword keeps SQLite from
// scanning the resources instead); the other filters test each candidate
// through the rid indexes. Without one, the resources of the types are
// scanned in rid order. all is true for a system search over every type
// (no type condition). It returns the alias whose rid column to order by:
// the candidate set's when there is one (SQLite then reads the candidates
// in rid order from the index and stops at the page's end), else r.
func (s *sqlBuilder) fromWhere(r, join string, types []string, all bool, filters []search.Filter) (string, error) {
	order := r
	ridPage := s.ridPage
	s.ridPage = false // not for the subqueries below
	d := s.pickDriver(filters)
	if d >= 0 && filters[d].Has != nil {
		// The resources the reverse chain names, by (type, id). For a
		// page in rid order they are ordered in the subquery, so that
		// SQLite reads them in rid order and joins the versions (bodies)
		// of the page's rows only, instead of sorting every match's
		// version row.
		m := s.newAlias("m")
		rr := s.newAlias("r")
		s.w(" FROM (SELECT ", rr, ".rid AS rid FROM resources ", rr, " WHERE ")
		s.typeCond(rr, types)
		s.w(" AND ")
		if err := s.has(rr, types, filters[d].Has); err != nil {
			return "", err
		}
		if ridPage {
			s.w(" ORDER BY ", rr, ".rid")
			order = m
		}
		s.w(") ", m, " ", s.join, " resources ", r, " ON ", r, ".rid = ", m, ".rid", join, " WHERE ")
	} else if d >= 0 {
		m := s.newAlias("m")
		x := s.newAlias("x")
		tb, err := filterTable(&filters[d])
		if err != nil {
			return "", err
		}
		distinct := "DISTINCT "
		if oneRowPerResource(&filters[d], len(types)) {
			// Without DISTINCT the subquery is flattened into the join and
			// read in index order, which is rid order.
			distinct, order = "", m
		}
		s.w(" FROM (SELECT ", distinct, x, ".rid AS rid FROM ", tb.name, " ", x, " WHERE ")
		if err := s.rowCond(x, types, &filters[d]); err != nil {
			return "", err
		}
		s.w(") ", m, " ", s.join, " resources ", r, " ON ", r, ".rid = ", m, ".rid", join, " WHERE ")
	} else {
		s.w(" FROM resources ", r, join, " WHERE ")
	}
	if all {
		s.w("1 = 1")
	} else {
		s.typeCond(r, types)
	}
	s.w(" AND ", r, ".deleted = 0")
	for i := range filters {
		if i == d {
			continue
		}
		s.w(" AND ")
		if err := s.filter(r, types, &filters[i]); err != nil {
			return "", err
		}
	}
	return order, nil
}

// oneRowPerResource reports whether a driver filter's index rows name each
// resource at most once and in rid order: one value fixing every column of
// the index key but rid (a token's system and code; a reference's type and
// id), for one resource type.
func oneRowPerResource(f *search.Filter, types int) bool {
	if types != 1 || len(f.Values) != 1 || f.Modifier != search.ModifierNone || f.Chain != nil || f.Param == nil {
		return false
	}
	v := &f.Values[0]
	switch f.Param.Type {
	case search.TypeToken:
		return v.HasSystem && v.Code != "" && f.Param.Code != "_id"
	case search.TypeReference:
		return v.RefURL == "" && v.RefID != "" && refType(f, v) != ""
	}
	return false
}

// BroadHasLimit is the number of referring matches from which a reverse
// chain is tested per candidate instead of collected first. Tests lower it
// to exercise both plans.
var BroadHasLimit = 2000

// BroadHasTargets is, for reverse chains that idx_patient_code answers
// (see patientCodeChain), the number of distinct referenced resources from
// which the chain is tested per candidate instead of collected first.
// Testing costs one seek per candidate read until the page is full, about
// page × candidates / referenced; collecting reads every row of the code
// (thousands for a common code). Measured on 1,000,000 resources (1,320
// patients, SQLite), testing took under 1 ms of CPU for every code with 88
// patients or more, collecting 1–7 ms for codes with 400 or more; so only
// codes of very few patients are collected. Tests lower it to exercise
// both plans.
var BroadHasTargets = 50

// hasProbe writes a statement counting the index rows that would drive
// h's referring search, up to BroadHasLimit, or for a chain that
// idx_patient_code answers the distinct resources of types it references,
// up to BroadHasTargets; limit is the bound. ok is false when the
// referring search has no driver (it is then broad by nature).
func (s *sqlBuilder) hasProbe(h *search.Has, types []string) (limit int, ok bool, err error) {
	if patientCodeChain(h) {
		s.w("SELECT COUNT(*) FROM (SELECT DISTINCT p.target_id FROM idx_patient_code p WHERE ")
		if err := s.patientCodeCond("p", h); err != nil {
			return 0, false, err
		}
		s.w(" AND p.target_type IN (", placeholders(len(types)), ")")
		for _, t := range types {
			s.args = append(s.args, t)
		}
		s.w(" LIMIT ")
		s.arg(BroadHasTargets)
		s.w(") q")
		return BroadHasTargets, true, nil
	}
	filters := []search.Filter{h.Filter}
	d := s.pickDriver(filters)
	if d < 0 || filters[d].Has != nil {
		return BroadHasLimit, false, nil
	}
	tb, err := filterTable(&filters[d])
	if err != nil {
		return 0, false, err
	}
	s.w("SELECT COUNT(*) FROM (SELECT 1 FROM ", tb.name, " x WHERE ")
	if err := s.rowCond("x", []string{h.Type}, &filters[d]); err != nil {
		return 0, false, err
	}
	s.w(" LIMIT ")
	s.arg(BroadHasLimit)
	s.w(") p")
	return BroadHasLimit, true, nil
}
