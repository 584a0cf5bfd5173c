package index

import (
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

func textEntries(idx store.Index, code string) []string {
	var out []string
	for _, e := range idx.Strings {
		if e.Param == code {
			out = append(out, e.Norm)
		}
	}
	return out
}

func TestTextAndContent(t *testing.T) {
	res := map[string]any{
		"resourceType": "Patient", "id": "p1",
		"meta":                 map[string]any{"versionId": "secret-meta"},
		"text":                 map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml"><p><b>高</b>血压随访</p><p>Blood&#160;Pressure &amp; Café</p><!-- hidden --></div>`},
		"name":                 []any{map[string]any{"family": "Wáng", "given": []any{"Fāng"}}},
		"photo":                []any{map[string]any{"data": "QUJD", "url": "http://photos.example/p1"}},
		"identifier":           []any{map[string]any{"system": "http://hospital.example/mrn", "value": "MRN-7"}},
		"managingOrganization": map[string]any{"reference": "Organization/org-1", "display": "Clinic One"},
		"maritalStatus":        map[string]any{"coding": []any{map[string]any{"code": "M", "display": "Married"}}, "text": "married"},
		"extension":            []any{map[string]any{"url": "http://ext.example/x", "valueUri": "urn:oid:1.2.3"}},
		"active":               true,
	}
	idx, err := Default().Index(res)
	if err != nil {
		t.Fatal(err)
	}
	text := textEntries(idx, "_text")
	if len(text) != 1 || text[0] != "高血压随访 blood pressure & cafe" {
		t.Fatalf("_text entries = %q", text)
	}
	content := textEntries(idx, "_content")
	if len(content) != 1 || content[0] != "mrn-7\nclinic one\nm\nmarried\nwang\nfang" {
		t.Fatalf("_content entries = %q", content)
	}
	for _, q := range []struct {
		code, value string
		want        bool
	}{
		{"_text", "高血压", true}, {"_text", "血压随访", true}, {"_text", "PRESSURE & caf", true},
		{"_text", "wang", false}, {"_content", "wang", true}, {"_content", "FANG", true},
		{"_content", "cafe wang", false}, {"_content", "高血压", true}, {"_content", "blood pressure", true}, {"_content", "secret", false}, {"_content", "QUJD", false},
		{"_content", "patient", false}, {"_content", "hidden", false},
		{"_content", "mrn-7", true}, {"_content", "clinic one", true}, {"_content", "org-1", false},
		{"_content", "hospital.example", false}, {"_content", "photos", false}, {"_content", "1.2.3", false},
	} {
		p := search.DefaultRegistry().Lookup("Patient", q.code)
		ok, err := Match(idx, "p1", []search.Filter{{Param: p, Values: []search.Value{{Str: q.value}}}})
		if err != nil || ok != q.want {
			t.Errorf("%s=%s: %v, %v; want %v", q.code, q.value, ok, err, q.want)
		}
	}
}

// TestTextChunks checks that every phrase of at most search.MaxTextLength
// bytes of the capped text lies within one piece, that pieces stay within
// textChunk bytes and at character boundaries, and that they span the
// text cut to TextCap bytes.
func TestTextChunks(t *testing.T) {
	var sb strings.Builder
	for i := 0; sb.Len() < TextCap+500; i++ {
		sb.WriteString("高血压随访a")
		sb.WriteString(strings.Repeat("b", i%7))
	}
	text := sb.String()
	var idx store.Index
	builder{idx: &idx}.textChunks("_content", text)
	pieces := textEntries(idx, "_content")
	if len(pieces) < 2 {
		t.Fatalf("%d pieces", len(pieces))
	}
	capped := cutRunes(text, TextCap)
	if len(capped) > TextCap || len(capped) < TextCap-3 || !strings.HasPrefix(capped, pieces[0]) || !strings.HasSuffix(capped, pieces[len(pieces)-1]) {
		t.Fatalf("the pieces do not span the text cut at %d bytes", TextCap)
	}
	for _, p := range pieces {
		if len(p) > textChunk || !strings.Contains(capped, p) {
			t.Fatalf("piece of %d bytes is not a character-aligned part of the text", len(p))
		}
	}
	for start := 0; start < len(capped); start++ {
		if start > 0 && (capped[start]&0xC0) == 0x80 {
			continue
		}
		end := min(len(capped), start+search.MaxTextLength)
		phrase := cutRunes(capped[start:], end-start)
		found := false
		for _, p := range pieces {
			if strings.Contains(p, phrase) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("phrase at %d (%d bytes) is in no piece", start, len(phrase))
		}
	}
}
