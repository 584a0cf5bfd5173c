package search

import (
	"net/url"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// vals builds url.Values from "a=1&b=2" without any percent or "+"
// decoding, so that tests can write backslashes, "+" and "|" literally.
func vals(raw string) url.Values {
	v := url.Values{}
	if raw == "" {
		return v
	}
	for _, kv := range strings.Split(raw, "&") {
		k, val, _ := strings.Cut(kv, "=")
		v[k] = append(v[k], val)
	}
	return v
}

// mustParse parses raw for rt under strict handling and fails the test on
// an error.
func mustParse(t *testing.T, rt, raw string) *Query {
	t.Helper()
	q, err := Parse(rt, vals(raw), ParseOptions{})
	if err != nil {
		t.Fatalf("Parse(%s, %q): %v", rt, raw, err)
	}
	return q
}

// filter1 returns the only filter of q.
func filter1(t *testing.T, q *Query) Filter {
	t.Helper()
	if len(q.Filters) != 1 {
		t.Fatalf("%d filters, want 1: %+v", len(q.Filters), q.Filters)
	}
	return q.Filters[0]
}

// value1 returns the only value of the only filter of q.
func value1(t *testing.T, q *Query) Value {
	t.Helper()
	f := filter1(t, q)
	if len(f.Values) != 1 {
		t.Fatalf("%d values, want 1: %+v", len(f.Values), f.Values)
	}
	return f.Values[0]
}

// wantError checks that err is an *fhir.Error with code whose diagnostics
// contain every fragment.
func wantError(t *testing.T, err error, code fhir.IssueType, fragments ...string) {
	t.Helper()
	fe, ok := fhir.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *fhir.Error", err, err)
	}
	if fe.Code() != code {
		t.Errorf("code %s, want %s: %v", fe.Code(), code, err)
	}
	for _, f := range fragments {
		if !strings.Contains(fe.Error(), f) {
			t.Errorf("%q does not contain %q", fe.Error(), f)
		}
	}
}
