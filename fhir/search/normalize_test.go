package search

import (
	"math/rand/v2"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"smith":           "smith",
		"Smith":           "smith",
		"  Zoë   Müller ": "zoe muller",
		"Ángel\tGarcía":   "angel garcia",
		"张 三":             "张 三",
		"":                "",
		"ÉCOLE":           "ecole",
		"a\vb\fc":         "a b c", // every white space byte, also without capitals
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNormalizeASCII checks the ASCII path against the general one on
// random ASCII text, white space and capitals included.
func TestNormalizeASCII(t *testing.T) {
	const alphabet = " \t\n\v\f\rAZaz09.-_|'\x00\x7f"
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		b := make([]byte, rng.IntN(12))
		for k := range b {
			if rng.IntN(2) == 0 {
				b[k] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[k] = byte(rng.IntN(0x80))
			}
		}
		s := string(b)
		if got, want := normalizeASCII(s), normalizeUnicode(s); got != want {
			t.Fatalf("normalizeASCII(%q) = %q, normalizeUnicode gives %q", s, got, want)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	for b.Loop() {
		Normalize("Body Mass Index (BMI) [Ratio]")
	}
}
