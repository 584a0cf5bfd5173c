package search

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"smith":           "smith",
		"Smith":           "smith",
		"  Zoë   Müller ": "zoe muller",
		"Ángel\tGarcía":   "angel garcia",
		"张 三":             "张 三",
		"":                "",
		"ÉCOLE":           "ecole",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
