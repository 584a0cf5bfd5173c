package main

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	res := []string{
		`{"resourceType":"CodeSystem","url":"http://x/cs","version":"1","content":"complete","caseSensitive":true,"concept":[{"code":"a","concept":[{"code":"a1"}]},{"code":"b"}]}`,
		`{"resourceType":"CodeSystem","url":"http://x/frag","content":"fragment","concept":[{"code":"f"}]}`,
		`{"resourceType":"CodeSystem","url":"http://x/nocase","content":"complete","caseSensitive":false,"concept":[{"code":"n"}]}`,
		`{"resourceType":"ValueSet","url":"http://x/all","compose":{"include":[{"system":"http://x/cs"}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/list","compose":{"include":[{"system":"http://x/other","concept":[{"code":"z"}]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/nested","compose":{"include":[{"valueSet":["http://x/all|1"]},{"system":"http://x/other","concept":[{"code":"z"}]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/excl","compose":{"include":[{"system":"http://x/cs"}],"exclude":[{"system":"http://x/cs","concept":[{"code":"a1"}]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/filter","compose":{"include":[{"system":"http://x/cs","filter":[{"property":"concept","op":"is-a","value":"a"}]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/version","compose":{"include":[{"system":"http://x/cs","version":"2"}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/versionok","compose":{"include":[{"system":"http://x/cs","version":"1","concept":[{"code":"b"}]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/unknown","compose":{"include":[{"system":"http://x/nowhere"}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/fragment","compose":{"include":[{"system":"http://x/frag"}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/nocase","compose":{"include":[{"system":"http://x/nocase"}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/intersect","compose":{"include":[{"valueSet":["http://x/all","http://x/list"]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/badnested","compose":{"include":[{"valueSet":["http://x/filter"]}]}}`,
		`{"resourceType":"ValueSet","url":"http://x/nocompose"}`,
	}
	var b bundle
	for _, r := range res {
		b.Entry = append(b.Entry, struct {
			Resource json.RawMessage `json:"resource"`
		}{json.RawMessage(r)})
	}
	term, err := readTerminology(b)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url    string
		want   string // "system|code" sorted, joined by " "; "" when it cannot be expanded
		skip   string // part of the reason
		system string
	}{
		{"http://x/all", "http://x/cs|a http://x/cs|a1 http://x/cs|b", "", "http://x/cs"},
		{"http://x/list", "http://x/other|z", "", "http://x/other"},
		{"http://x/nested", "http://x/cs|a http://x/cs|a1 http://x/cs|b http://x/other|z", "", ""},
		{"http://x/excl", "http://x/cs|a http://x/cs|b", "", "http://x/cs"},
		{"http://x/versionok", "http://x/cs|b", "", "http://x/cs"},
		{"http://x/filter", "", "by filter", "http://x/cs"},
		{"http://x/version", "", "version 2", "http://x/cs"},
		{"http://x/unknown", "", "not in the definitions", "http://x/nowhere"},
		{"http://x/fragment", "", `"fragment"`, "http://x/frag"},
		{"http://x/nocase", "", "not case-sensitive", "http://x/nocase"},
		{"http://x/intersect", "", "intersection", ""},
		{"http://x/badnested", "", "by filter", "http://x/cs"},
		{"http://x/nocompose", "", "no compose", ""},
		{"http://x/missing", "", "not in the definitions", ""},
	}
	var bindings []bindingDef
	for _, c := range cases {
		bindings = append(bindings, bindingDef{path: "X.y", valueSet: c.url})
	}
	sets := term.buildValueSets(bindings)
	byURL := map[string]valueSetDef{}
	for _, s := range sets {
		byURL[s.url] = s
	}
	for _, c := range cases {
		d := byURL[c.url]
		var got []string
		for _, sc := range d.codes {
			for _, code := range sc.codes {
				got = append(got, sc.system+"|"+code)
			}
		}
		sort.Strings(got)
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: codes %q, want %q", c.url, g, c.want)
		}
		if (c.skip == "") != (d.skip == "") || !strings.Contains(d.skip, c.skip) {
			t.Errorf("%s: skip %q, want %q", c.url, d.skip, c.skip)
		}
		if d.system != c.system {
			t.Errorf("%s: system %q, want %q", c.url, d.system, c.system)
		}
	}
	if !slices.IsSortedFunc(sets, func(a, b valueSetDef) int { return strings.Compare(a.url, b.url) }) {
		t.Error("ValueSets are not sorted by URL")
	}
}
