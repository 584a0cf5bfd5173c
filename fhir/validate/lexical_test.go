package validate

import (
	"math/rand/v2"
	"testing"

	"github.com/yitong-health/yitong/fhir/spec"
)

// lexicalCheckers are the hand-written matchers with their type and seeds.
var lexicalCheckers = []struct {
	typ   string
	check func(string) bool
	seeds []string
}{
	{"string", validString, []string{"a", " a b\t\n", "é", "x\fy", " "}},
	{"markdown", validString, []string{"# T\r\n*x*"}},
	{"uri", validURI, []string{"http://x/y", "urn:a:b", "a b", ""}},
	{"url", validURI, []string{"https://x"}},
	{"canonical", validURI, []string{"http://x|1.0"}},
	{"code", validCode, []string{"a", "a b", "a  b", " a", "a\tb", "a\n"}},
	{"id", validID, []string{"a", "A-b.9", "a_b", "0123456789012345678901234567890123456789012345678901234567890123", "01234567890123456789012345678901234567890123456789012345678901234"}},
	{"uuid", validUUID, []string{"urn:uuid:0a1b2c3d-0000-1111-2222-333344445555", "urn:uuid:0A1b2c3d-0000-1111-2222-333344445555"}},
	{"base64Binary", validBase64, []string{"abcd", "ab==", "abcd efgh", " abcd\n", "abc", "ab cd", "abcdabcd", "a+/="}},
	{"date", validDate, []string{"2020", "2020-01", "2020-12-31", "0000", "0001", "1000-00", "2020-1-01", "2020-02-32"}},
	{"dateTime", validDateTime, []string{"2020", "2020-01-02T03:04:05Z", "2020-01-02T23:59:60.123+14:00", "2020-01-02T03:04:05-13:59", "2020-01-02T03:04:05+14:01", "2020-01T10:00:00Z", "2020-01-02T24:00:00Z", "2020-01-02T03:04:05.Z"}},
	{"instant", validInstant, []string{"2020-01-02T03:04:05Z", "2020-01-02T03:04:05.1+01:00", "2020-01-02", "2020-01-02T03:04:05"}},
	{"time", validTime, []string{"00:00:00", "23:59:60.5", "24:00:00", "12:00", "12:00:00Z"}},
	{"decimal", validDecimal, []string{"0", "-0", "1.5", "-12.30e+10", "1E5", "01", "1.", ".5", "1e", "-", "1.5e-0"}},
	{"integer", validInteger, []string{"0", "-1", "123", "-0", "01", "1.0", "+1", "-"}},
	{"unsignedInt", validUnsignedInt, []string{"0", "10", "-1", "00"}},
	{"positiveInt", validPositiveInt, []string{"1", "10", "0", "01"}},
}

// mutationAlphabet holds characters that matter to the regexes.
const mutationAlphabet = "0123456789abcdefAFZzT:-+.=/ \t\n\r\f_éx"

// TestLexicalMatchesRegex checks each hand-written matcher against the spec
// regex on its seeds and on many random mutations of them.
func TestLexicalMatchesRegex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune(mutationAlphabet)
	for _, c := range lexicalCheckers {
		p := spec.LookupType(c.typ).Primitive
		test := func(s string) {
			if got, want := c.check(s), p.MatchString(s); got != want {
				t.Errorf("%s: hand-written check of %q = %v, regex says %v", c.typ, s, got, want)
			}
		}
		for _, seed := range c.seeds {
			test(seed)
			for range 3000 {
				s := []rune(seed)
				for range 1 + rng.IntN(3) {
					i := rng.IntN(len(s) + 1)
					r := alphabet[rng.IntN(len(alphabet))]
					switch op := rng.IntN(3); {
					case op == 0 && i < len(s):
						s = append(s[:i], s[i+1:]...)
					case op == 1 && i < len(s):
						s[i] = r
					default:
						s = append(s[:i], append([]rune{r}, s[i:]...)...)
					}
				}
				test(string(s))
			}
		}
	}
}

// FuzzLexical compares the hand-written matchers with the regexes.
func FuzzLexical(f *testing.F) {
	for _, c := range lexicalCheckers {
		for _, s := range c.seeds {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range lexicalCheckers {
			if got, want := c.check(s), spec.LookupType(c.typ).Primitive.MatchString(s); got != want {
				t.Errorf("%s: hand-written check of %q = %v, regex says %v", c.typ, s, got, want)
			}
		}
	})
}
