package fhir

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// stdDecode is the reference: encoding/json with UseNumber.
func stdDecode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return v, nil
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, "empty"},
		{`   `, "empty"},
		{`[1,2]`, "must be a JSON object, not an array"},
		{`"x"`, "not a string"},
		{`{"a":1,}`, "line 1, column 8"},
		{`{"a":1`, "unexpected end of input"},
		{"{\n\"a\": tru}", "line 2, column 6"},
		{`{"a":01}`, "expected ',' or '}'"},
		{`{"a":1.}`, "decimal point"},
		{`{"a":1e}`, "exponent"},
		{`{"a":"x\qy"}`, "invalid escape"},
		{"{\"a\":\"x\ty\"}", "control character"},
		{`{"a":"\u12"}`, `invalid \u escape`},
		{`{"a":1,"a":2}`, `duplicate object key "a"`},
		{`{"a":1} {}`, "unexpected data after the JSON object"},
		{"{\"a\":\"\xff\"}", "not valid UTF-8"},
		{`{a:1}`, "expected a quoted object key"},
	}
	for _, c := range cases {
		_, err := Decode([]byte(c.in), 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(%q) = %v, want an error containing %q", c.in, err, c.want)
			continue
		}
		if CodeOf(err) != IssueStructure {
			t.Errorf("Decode(%q): code %s, want structure", c.in, CodeOf(err))
		}
	}
}

func TestDecodeDepth(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70)
	_, err := Decode([]byte(deep), 64)
	if CodeOf(err) != IssueTooCostly {
		t.Fatalf("deep JSON: %v, want too-costly", err)
	}
	if _, err := Decode([]byte(deep), 80); err != nil {
		t.Fatalf("deep JSON within the limit: %v", err)
	}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[null,{"id":"x"}]}],"active":true,"n":-1.50e+3,"z":0}`,
		`{"s":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t","lone":"\ud800x","arr":[],"obj":{},"nul":null}`,
		`{ "a" : [ 1 , { "b" : false } ] }`,
	}
	for _, doc := range docs {
		checkSame(t, []byte(doc))
	}
}

func checkSame(t *testing.T, data []byte) {
	t.Helper()
	want, werr := stdDecode(data)
	got, gerr := Decode(data, 1000)
	if werr != nil {
		return // the reference rejects it; Decode may too (or be stricter)
	}
	if _, isObj := want.(map[string]any); !isObj {
		if gerr == nil {
			t.Fatalf("Decode accepted a non-object: %q", data)
		}
		return
	}
	if gerr != nil {
		if strings.Contains(gerr.Error(), "duplicate object key") {
			return // stricter than encoding/json on purpose
		}
		t.Fatalf("Decode(%q) failed: %v; encoding/json accepts it", data, gerr)
	}
	if !reflect.DeepEqual(any(got), want) {
		t.Fatalf("Decode(%q) = %#v, want %#v", data, got, want)
	}
}

// TestDecodeSynthea decodes real bundles and compares with encoding/json.
func TestDecodeSynthea(t *testing.T) {
	files, _ := filepath.Glob("../../shared/testdata/synthea-r4/*.json.gz")
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/testdata/synthea-r4 is missing")
		}
		t.Skip("no Synthea data beside the repository")
	}
	for _, f := range files[:8] {
		checkSame(t, gunzip(t, f))
	}
}

func gunzip(t testing.TB, path string) []byte {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecode checks Decode against encoding/json on arbitrary input: never a
// panic, the same result whenever encoding/json accepts an object.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2.5e3,"x\u00e9",true,null,{}]}`, `{"a":"\ud83d\ude00"}`, `[`, `{"a":01}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSame(t, data)
	})
}

func BenchmarkDecodeSynthea(b *testing.B) {
	files, _ := filepath.Glob("../../shared/testdata/synthea-r4/*.json.gz")
	if len(files) == 0 {
		b.Skip("no Synthea data")
	}
	data := gunzip(b, files[len(files)/2])
	b.Run("fhir.Decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Decode(data, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := stdDecode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
