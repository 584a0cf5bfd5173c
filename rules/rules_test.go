package rules

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPracticeRule(t *testing.T) {
	if _, ok := PracticeAt("2018-07-16"); ok {
		t.Error("a rule before A5 took effect")
	}
	p, ok := PracticeAt("2018-07-17")
	if !ok || p.ID != "A5" || p.MinIndependentYears != 3 || p.Version == "" {
		t.Errorf("rule on its first day = %+v, %v", p, ok)
	}
}

func TestYearsBetween(t *testing.T) {
	for _, c := range []struct {
		since, day string
		want       int
	}{
		{"2023-11-24", "2026-11-24", 3}, // the third anniversary completes three years
		{"2023-11-25", "2026-11-24", 2}, // one day short
		{"2020-02-29", "2023-02-28", 3}, // leap-day anniversary in a common year
		{"2020-02-29", "2023-02-27", 2},
		{"2026-11-24", "2026-11-24", 0},
	} {
		if got := YearsBetween(day(c.since), day(c.day)); got != c.want {
			t.Errorf("YearsBetween(%s, %s) = %d, want %d", c.since, c.day, got, c.want)
		}
	}
}

func TestRetentionRule(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The rule takes effect on 1 June 2017 in Beijing: 31 May 16:00 UTC.
	if _, ok := RetentionAt(at("2017-05-31T15:59:59Z")); ok {
		t.Error("a retention rule before the Cybersecurity Law took effect")
	}
	r, ok := RetentionAt(at("2017-05-31T16:00:00Z"))
	if !ok || r.ID != "C2" || r.MinMonths != 6 || r.Version == "" || r.Source == "" {
		t.Fatalf("rule on its first day = %+v, %v", r, ok)
	}
	now := at("2026-03-01T00:00:00Z")
	if err := CheckRetention(now, 6); err != nil {
		t.Errorf("6 months refused: %v", err)
	}
	if err := CheckRetention(now, 120); err != nil {
		t.Errorf("120 months refused: %v", err)
	}
	for _, m := range []int{5, 0, -6} {
		if err := CheckRetention(now, m); err == nil {
			t.Errorf("%d months accepted", m)
		}
	}
	if err := CheckRetention(at("2017-01-01T00:00:00Z"), 6); err == nil {
		t.Error("a retention checked before any rule was in force")
	}
}

func TestMonthsBefore(t *testing.T) {
	for _, c := range []struct {
		t      string
		months int
		want   string
	}{
		{"2026-08-31T04:00:00Z", 6, "2026-02-28T04:00:00Z"}, // no 31 February: the last day
		{"2024-08-31T04:00:00Z", 6, "2024-02-29T04:00:00Z"}, // leap year
		{"2026-07-15T10:30:00Z", 6, "2026-01-15T10:30:00Z"},
		{"2026-03-10T12:00:00Z", 6, "2025-09-10T12:00:00Z"}, // across a year
		{"2026-02-28T20:00:00Z", 1, "2026-01-31T20:00:00Z"}, // 1 March in Beijing: 1 February
		{"2026-01-01T00:00:00Z", 24, "2024-01-01T00:00:00Z"},
	} {
		tm, _ := time.Parse(time.RFC3339, c.t)
		if got := MonthsBefore(tm, c.months).Format(time.RFC3339); got != c.want {
			t.Errorf("MonthsBefore(%s, %d) = %s, want %s", c.t, c.months, got, c.want)
		}
	}
}

// TestPrescriptionExpires: rule B10 counts calendar days in Asia/Shanghai:
// valid on the day of issue, extended with a noted end to at most 3 days.
func TestPrescriptionExpires(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	r, ok := PrescriptionValidityAt(at("2026-11-20 09:00"))
	if !ok || r.String() != "B10@2007-05-01" {
		t.Fatalf("rule %v %v", r, ok)
	}
	if _, ok := PrescriptionValidityAt(at("2007-04-30 23:59")); ok {
		t.Error("a rule before 2007-05-01")
	}
	for _, c := range []struct{ issued, extend, want string }{
		{"2026-11-20 00:00", "", "2026-11-21 00:00"},
		{"2026-11-20 23:59", "", "2026-11-21 00:00"},
		// 16:30 UTC on the 19th is 00:30 on the 20th in Beijing.
		{"2026-11-20 00:30", "", "2026-11-21 00:00"},
		{"2026-11-20 10:00", "2026-11-21 18:00", "2026-11-22 00:00"},
		{"2026-11-20 10:00", "2026-11-22 08:00", "2026-11-23 00:00"},
		{"2026-11-20 10:00", "2026-11-30 08:00", "2026-11-23 00:00"}, // at most 3 days
		{"2026-11-20 10:00", "2026-11-19 08:00", "2026-11-21 00:00"}, // never shorter
		{"2026-12-31 22:00", "2027-01-02 12:00", "2027-01-03 00:00"},
	} {
		var extend time.Time
		if c.extend != "" {
			extend = at(c.extend)
		}
		issued := at(c.issued).UTC()
		if got := r.Expires(issued, extend); !got.Equal(at(c.want)) {
			t.Errorf("issued %s, extended to %q: expires %v, want %s", c.issued, c.extend, got, c.want)
		}
	}
}
