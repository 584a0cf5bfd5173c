package fhirpath

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// officialFloor is the number of official R4 conformance tests that must
// pass; raise it when the engine improves (a ratchet).
const officialFloor = 924

type xmlSuite struct {
	Groups []struct {
		Name  string    `xml:"name,attr"`
		Tests []xmlTest `xml:"test"`
	} `xml:"group"`
}

type xmlTest struct {
	Name       string `xml:"name,attr"`
	InputFile  string `xml:"inputfile,attr"`
	Predicate  string `xml:"predicate,attr"`
	Mode       string `xml:"mode,attr"`
	Expression struct {
		Text    string `xml:",chardata"`
		Invalid string `xml:"invalid,attr"`
	} `xml:"expression"`
	Outputs []struct {
		Type string `xml:"type,attr"`
		Text string `xml:",chardata"`
	} `xml:"output"`
}

func TestOfficialSuite(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedDir, "fhirpath-tests", "r4", "fhirpath", "tests-fhir-r4.xml"))
	if os.IsNotExist(err) {
		t.Skip("shared/fhirpath-tests not found")
	}
	if err != nil {
		t.Fatal(err)
	}
	var suite xmlSuite
	if err := xml.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	pass, fail, skip := 0, 0, 0
	verbose := os.Getenv("FHIRPATH_SUITE_VERBOSE") != ""
	for _, g := range suite.Groups {
		for _, tc := range g.Tests {
			var res map[string]any
			if tc.InputFile != "" {
				r, err := loadResource(t, tc.InputFile)
				if err != nil {
					skip++
					if verbose {
						t.Logf("SKIP %s: %v", tc.Name, err)
					}
					continue
				}
				res = r
			}
			msg := runOfficial(tc, res)
			if msg == "" {
				pass++
				continue
			}
			fail++
			if verbose {
				t.Logf("FAIL %s/%s: %s\n    %s", g.Name, tc.Name, strings.TrimSpace(tc.Expression.Text), msg)
			}
		}
	}
	t.Logf("official R4 suite: %d passed, %d failed, %d skipped", pass, fail, skip)
	if pass < officialFloor {
		t.Errorf("official suite passes %d tests, below the recorded floor %d", pass, officialFloor)
	}
}

// runOfficial runs one test and returns "" when it passes, else why not.
func runOfficial(tc xmlTest, res map[string]any) string {
	if res == nil {
		res = map[string]any{}
	}
	out, err := evalSafely(tc.Expression.Text, res)
	if tc.Expression.Invalid != "" {
		if err == nil {
			return fmt.Sprintf("expected an error, got %s", formatNodes(out))
		}
		return ""
	}
	if err != nil {
		return "error: " + err.Error()
	}
	if tc.Predicate == "true" {
		out = boolColl(len(out) > 0)
	}
	if len(out) != len(tc.Outputs) {
		return fmt.Sprintf("got %s, want %d items", formatNodes(out), len(tc.Outputs))
	}
	for i, o := range tc.Outputs {
		if !matchOutput(out[i], o.Type, o.Text) {
			return fmt.Sprintf("item %d: got %s, want %s %q", i, formatNodes(out[i:i+1]), o.Type, o.Text)
		}
	}
	return ""
}

func formatNodes(ns []Node) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		s, _ := toSystem(n)
		v, ok := formatSystem(s.Value)
		if !ok {
			v = fmt.Sprintf("%v", n.Value)
		}
		parts[i] = n.Type + ":" + v
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// matchOutput compares a result item with an expected output of the given
// suite type.
func matchOutput(n Node, typ, want string) bool {
	s, ok := toSystem(n)
	if !ok {
		return false
	}
	switch typ {
	case "boolean":
		b, ok := s.Value.(bool)
		return ok && strconv.FormatBool(b) == want
	case "integer":
		i, ok := s.Value.(int64)
		return ok && strconv.FormatInt(i, 10) == want
	case "decimal":
		d, ok := numberAsDecimal(s.Value)
		w, ok2 := ParseDecimal(want)
		return ok && ok2 && d.Cmp(w) == 0
	case "date", "dateTime", "time":
		v, ok := formatSystem(s.Value)
		want = strings.TrimPrefix(strings.TrimPrefix(want, "@"), "T")
		return ok && v == want
	case "Quantity":
		q, ok := s.Value.(Quantity)
		wq, ok2 := parseQuantityString(want)
		return ok && ok2 && q.Value.Cmp(wq.Value) == 0 && q.Unit == wq.Unit
	case "":
		v, ok := formatSystem(s.Value)
		if q, isQ := s.Value.(Quantity); isQ {
			v = q.Value.String() + " '" + q.Unit + "'"
		}
		want = strings.TrimPrefix(strings.TrimPrefix(want, "@"), "T")
		return ok && v == want
	default:
		v, ok := s.Value.(string)
		return ok && v == want
	}
}
