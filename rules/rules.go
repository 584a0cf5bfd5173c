// Package rules holds the regulatory thresholds of RULES.md as versioned
// data with effective dates, embedded as defaults (data/*.json). A
// decision records the version of the rule that made it.
package rules

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

//go:embed data/*.json
var data embed.FS

// Practice is rule A5: a practitioner who acts online needs a valid
// practice registration and at least MinIndependentYears of independent
// clinical practice.
type Practice struct {
	ID                  string `json:"id"`
	Version             string `json:"version"`
	Effective           string `json:"effective"` // YYYY-MM-DD, Asia/Shanghai
	MinIndependentYears int    `json:"minIndependentYears"`
	Source              string `json:"source"`
}

var practice = mustLoad()

// load decodes data/name into v; a malformed embedded file is a
// programming error.
func load(name string, v any) {
	b, err := data.ReadFile("data/" + name)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Sprintf("rules: data/%s: %v", name, err))
	}
}

func mustLoad() []Practice {
	var ps []Practice
	load("practice.json", &ps)
	for _, p := range ps {
		if _, err := time.Parse("2006-01-02", p.Effective); err != nil || p.MinIndependentYears <= 0 {
			panic(fmt.Sprintf("rules: practice rule %s %s is malformed", p.ID, p.Version))
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Effective < ps[j].Effective })
	return ps
}

// PracticeAt returns the practice rule in force on day (YYYY-MM-DD), and
// false before the first one took effect.
func PracticeAt(day string) (Practice, bool) {
	var out Practice
	found := false
	for _, p := range practice {
		if p.Effective <= day {
			out, found = p, true
		}
	}
	return out, found
}

// YearsBetween counts whole years from since to day (both YYYY-MM-DD): the
// anniversary itself completes a year; 29 February anniversaries fall on
// 28 February in common years.
func YearsBetween(since, day time.Time) int {
	y := day.Year() - since.Year()
	anniversary := time.Date(day.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)
	if since.Month() == time.February && since.Day() == 29 && anniversary.Month() != time.February {
		anniversary = time.Date(day.Year(), time.February, 28, 0, 0, 0, 0, time.UTC)
	}
	if time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).Before(anniversary) {
		y--
	}
	return y
}
