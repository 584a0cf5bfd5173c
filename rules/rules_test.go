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
