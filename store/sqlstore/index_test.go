package sqlstore

import (
	"math"
	"testing"

	"github.com/yitong-health/yitong/store"
)

// TestDistinctItems checks when a flush's index rows may skip ON CONFLICT:
// only when no rid repeats, no resource has two equal entries and no float
// is NaN.
func TestDistinctItems(t *testing.T) {
	tok := func(code string) store.Token { return store.Token{Param: "code", System: "s", Code: code} }
	ok := []indexed{
		{"Observation", 1, store.Index{Tokens: []store.Token{tok("a"), tok("b")}, Numbers: []store.NumberEntry{{Param: "n", Value: 1}}}},
		{"Observation", 2, store.Index{Tokens: []store.Token{tok("a"), tok("b")}}},
	}
	if !distinctItems(ok) {
		t.Error("two resources with the same distinct entries: want distinct")
	}
	for name, items := range map[string][]indexed{
		"repeated rid":   {ok[0], {"Observation", 1, store.Index{}}},
		"repeated token": {{"Observation", 3, store.Index{Tokens: []store.Token{tok("a"), tok("b"), tok("a")}}}},
		"NaN number":     {{"Observation", 4, store.Index{Numbers: []store.NumberEntry{{Param: "n", Value: math.NaN()}}}}},
		"NaN composite":  {{"Observation", 5, store.Index{Composites: []store.CompositeEntry{{Param: "c", Num2: math.NaN()}}}}},
		"zero and minus zero": {{"Observation", 6, store.Index{Quantities: []store.QuantityEntry{
			{Param: "q", Value: 0}, {Param: "q", Value: math.Copysign(0, -1)}}}}},
	} {
		if distinctItems(items) {
			t.Errorf("%s: want not distinct", name)
		}
	}
	many := make([]store.Token, 100)
	for i := range many {
		many[i] = tok(string(rune('a' + i)))
	}
	if !distinct(many) {
		t.Error("100 different tokens: want distinct")
	}
	if distinct(append(many, tok("a"))) {
		t.Error("101 tokens with a repeat: want not distinct")
	}
}
