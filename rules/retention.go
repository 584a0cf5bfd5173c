package rules

import (
	"fmt"
	"sort"
	"time"
)

// Retention is rule C2: network and security logs (the audit log) are kept
// for at least MinMonths months.
type Retention struct {
	ID        string `json:"id"`
	Version   string `json:"version"`
	Effective string `json:"effective"` // YYYY-MM-DD, Asia/Shanghai
	MinMonths int    `json:"minMonths"`
	Source    string `json:"source"`
}

// String names the rule and its version, as decisions record it.
func (r Retention) String() string { return r.ID + "@" + r.Version }

var retention = loadRetention()

func loadRetention() []Retention {
	var rs []Retention
	load("retention.json", &rs)
	for _, r := range rs {
		if _, err := time.Parse("2006-01-02", r.Effective); err != nil || r.MinMonths <= 0 || r.ID == "" || r.Version == "" {
			panic(fmt.Sprintf("rules: retention rule %s %s is malformed", r.ID, r.Version))
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Effective < rs[j].Effective })
	return rs
}

// shanghai is where rules' effective days are counted.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// RetentionAt returns the retention rule in force at t (its day in
// Asia/Shanghai), and false before the first one took effect.
func RetentionAt(t time.Time) (Retention, bool) {
	day := t.In(shanghai).Format("2006-01-02")
	var out Retention
	found := false
	for _, r := range retention {
		if r.Effective <= day {
			out, found = r, true
		}
	}
	return out, found
}

// CheckRetention returns an error saying why keeping logs for months
// months at t breaks the rule in force then, or nil when it does not.
func CheckRetention(t time.Time, months int) error {
	r, ok := RetentionAt(t)
	if !ok {
		return fmt.Errorf("no log retention rule is in force on %s", t.In(shanghai).Format("2006-01-02"))
	}
	if months < r.MinMonths {
		return fmt.Errorf("a retention of %d months is below the legal minimum of %d months (%s, %s)", months, r.MinMonths, r, r.Source)
	}
	return nil
}

// MonthsBefore returns the instant months calendar months before t, on
// the calendar of Asia/Shanghai. A day that the earlier month lacks is
// clamped to its last day (31 August less 6 months is 28 or 29 February),
// so the result is never later than a naive month subtraction would
// allow: whatever is older than it is older than months months.
func MonthsBefore(t time.Time, months int) time.Time {
	l := t.In(shanghai)
	y, m, d := l.Date()
	first := time.Date(y, m-time.Month(months), 1, 0, 0, 0, 0, shanghai)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	hh, mm, ss := l.Clock()
	return time.Date(first.Year(), first.Month(), d, hh, mm, ss, l.Nanosecond(), shanghai).UTC()
}
