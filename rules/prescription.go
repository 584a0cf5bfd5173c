package rules

import (
	"fmt"
	"sort"
	"time"
)

// PrescriptionValidity is rule B10: a prescription is valid on the day it
// is issued (Days calendar days, the day of issue included); the doctor
// may extend it, with a note, to at most MaxExtendedDays.
type PrescriptionValidity struct {
	ID              string `json:"id"`
	Version         string `json:"version"`
	Effective       string `json:"effective"` // YYYY-MM-DD, Asia/Shanghai
	Days            int    `json:"days"`
	MaxExtendedDays int    `json:"maxExtendedDays"`
	Source          string `json:"source"`
}

// String names the rule and its version, as decisions record it.
func (r PrescriptionValidity) String() string { return r.ID + "@" + r.Version }

var validity = loadValidity()

func loadValidity() []PrescriptionValidity {
	var rs []PrescriptionValidity
	load("prescription-validity.json", &rs)
	for _, r := range rs {
		if _, err := time.Parse("2006-01-02", r.Effective); err != nil || r.Days <= 0 || r.MaxExtendedDays < r.Days || r.ID == "" || r.Version == "" {
			panic(fmt.Sprintf("rules: prescription validity rule %s %s is malformed", r.ID, r.Version))
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Effective < rs[j].Effective })
	return rs
}

// PrescriptionValidityAt returns the rule in force at t (its day in
// Asia/Shanghai), and false before the first one took effect.
func PrescriptionValidityAt(t time.Time) (PrescriptionValidity, bool) {
	day := t.In(shanghai).Format("2006-01-02")
	var out PrescriptionValidity
	found := false
	for _, r := range validity {
		if r.Effective <= day {
			out, found = r, true
		}
	}
	return out, found
}

// Expires returns when a prescription issued (signed) at issued stops
// being valid under the rule: the end of its last valid calendar day in
// Asia/Shanghai (the first instant of the next day). extendTo, when not
// zero, is the end of the validity the doctor noted: it lengthens the
// validity to the end of extendTo's day, at most to MaxExtendedDays
// (never shortens it below Days).
func (r PrescriptionValidity) Expires(issued, extendTo time.Time) time.Time {
	y, m, d := issued.In(shanghai).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, shanghai)
	days := r.Days
	if !extendTo.IsZero() {
		ey, em, ed := extendTo.In(shanghai).Date()
		n := int(time.Date(ey, em, ed, 12, 0, 0, 0, shanghai).Sub(day.Add(12*time.Hour)).Hours()/24) + 1
		days = min(max(days, n), r.MaxExtendedDays)
	}
	return day.AddDate(0, 0, days)
}
