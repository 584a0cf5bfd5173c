package sqlstore

import (
	"github.com/yitong-health/yitong/fhir/search"
)

// driverRank says how well a filter can select the candidate resources of
// a search from its index rows; 0 means it cannot (negations, :missing,
// :contains and :text need every row of the parameter, and _id, _has and
// _lastUpdated are conditions on the resource row). Lower ranks are more
// selective by nature: a reference or a code names few resources, a date
// range many.
func driverRank(f *search.Filter) int {
	if f.Has != nil {
		return 3
	}
	if f.Param == nil {
		return 0
	}
	switch f.Param.Code {
	case "_id", "_lastUpdated":
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
func pickDriver(filters []search.Filter) int {
	best, rank := -1, 0
	for i := range filters {
		if r := driverRank(&filters[i]); r > 0 && (best < 0 || r < rank) {
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
// (no type condition).
func (s *sqlBuilder) fromWhere(r, join string, types []string, all bool, filters []search.Filter) error {
	d := pickDriver(filters)
	if d >= 0 && filters[d].Has != nil {
		// The resources the reverse chain names, by (type, id).
		m := s.newAlias("m")
		rr := s.newAlias("r")
		s.w(" FROM (SELECT ", rr, ".rid AS rid FROM resources ", rr, " WHERE ")
		s.typeCond(rr, types)
		s.w(" AND ")
		if err := s.has(rr, types, filters[d].Has); err != nil {
			return err
		}
		s.w(") ", m, " ", s.join, " resources ", r, " ON ", r, ".rid = ", m, ".rid", join, " WHERE ")
	} else if d >= 0 {
		m := s.newAlias("m")
		x := s.newAlias("x")
		tb, err := filterTable(&filters[d])
		if err != nil {
			return err
		}
		s.w(" FROM (SELECT DISTINCT ", x, ".rid AS rid FROM ", tb.name, " ", x, " WHERE ")
		if err := s.rowCond(x, types, &filters[d]); err != nil {
			return err
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
			return err
		}
	}
	return nil
}
