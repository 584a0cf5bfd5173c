package bulk

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/fhir"
)

// writeFile writes content to dir/name, gzip-compressed when gz is set, and
// returns the path.
func writeFile(t *testing.T, dir, name, content string, gz bool) string {
	t.Helper()
	data := []byte(content)
	if gz {
		data = gzipBytes(t, content)
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipBytes(t *testing.T, content string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readAll reads path and returns its items and the malformed records passed
// to OnError.
func readAll(t *testing.T, path string, limits Limits) ([]Item, []*LineError, error) {
	t.Helper()
	var items []Item
	var bad []*LineError
	limits.OnError = func(e *LineError) error {
		bad = append(bad, e)
		return nil
	}
	err := ReadFile(path, limits, func(it Item) error {
		items = append(items, it)
		return nil
	})
	return items, bad, err
}

func itemLines(items []Item) []int {
	var lines []int
	for _, it := range items {
		lines = append(lines, it.Line)
	}
	return lines
}

func errLines(errs []*LineError) []int {
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	return lines
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadNDJSONPlain(t *testing.T) {
	content := "\ufeff" + `{"resourceType":"Patient","id":"a"}` + "\n\n" +
		`{"resourceType":"Observation","id":"b","valueQuantity":{"value":1.50}}` + "\r\n   \t\n" +
		`{"resourceType":"Patient","id":"c"}`
	path := writeFile(t, t.TempDir(), "p.ndjson", content, false)
	items, bad, err := readAll(t, path, Limits{})
	if err != nil || len(bad) != 0 {
		t.Fatalf("err %v, malformed %v", err, bad)
	}
	if got := itemLines(items); !equalInts(got, []int{1, 3, 5}) {
		t.Fatalf("lines %v, want [1 3 5]", got)
	}
	if s := string(items[0].Raw); s != `{"resourceType":"Patient","id":"a"}` {
		t.Errorf("raw of line 1: %q", s)
	}
	if s := string(items[1].Raw); !strings.HasSuffix(s, "}}") {
		t.Errorf("raw of line 3 keeps its CR: %q", s)
	}
	if v := items[1].Resource["valueQuantity"].(map[string]any)["value"]; v != any(json.Number("1.50")) {
		t.Errorf("number decoded as %#v", v)
	}
	for _, it := range items {
		if it.File != path {
			t.Errorf("File %q", it.File)
		}
	}
}

func TestReadNDJSONGzipMalformedLines(t *testing.T) {
	lines := []string{
		`{"resourceType":"Patient","id":"1"}`,
		`{"resourceType":"Patient","id":`, // 2: truncated
		`{"resourceType":"Patient","id":"3"}`,
		`{"id":"4"}`,                             // 4: no resourceType
		`[1,2]`,                                  // 5: not an object
		`{"resourceType":"Patient","id":"6"} {}`, // 6: two values
		`{"resourceType":"Patient","id":"7"}`,
	}
	path := writeFile(t, t.TempDir(), "p.ndjson.gz", strings.Join(lines, "\n")+"\n", true)
	items, bad, err := readAll(t, path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemLines(items); !equalInts(got, []int{1, 3, 7}) {
		t.Errorf("item lines %v, want [1 3 7]", got)
	}
	if got := errLines(bad); !equalInts(got, []int{2, 4, 5, 6}) {
		t.Fatalf("malformed lines %v, want [2 4 5 6]", got)
	}
	wantCodes := []fhir.IssueType{fhir.IssueStructure, fhir.IssueRequired, fhir.IssueStructure, fhir.IssueStructure}
	for i, e := range bad {
		if e.File != path {
			t.Errorf("File %q", e.File)
		}
		if c := fhir.CodeOf(e); c != wantCodes[i] {
			t.Errorf("line %d: code %s, want %s (%v)", e.Line, c, wantCodes[i], e)
		}
	}
	if s := bad[0].Error(); !strings.HasPrefix(s, path+":2: structure: ") {
		t.Errorf("message %q", s)
	}
}

func TestReadWithoutOnErrorCollects(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 300; i++ {
		if i%2 == 0 {
			b.WriteString("not json\n")
		} else {
			b.WriteString(`{"resourceType":"Patient"}` + "\n")
		}
	}
	path := writeFile(t, t.TempDir(), "p.ndjson", b.String(), false)
	n := 0
	err := ReadFile(path, Limits{}, func(Item) error { n++; return nil })
	if n != 150 {
		t.Errorf("read %d resources, want 150", n)
	}
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Fatalf("got %v, want the first malformed line (2) first", err)
	}
	msg := err.Error()
	if strings.Count(msg, "\n")+1 != maxCollected+1 || !strings.HasSuffix(msg, ": 50 more malformed records") {
		t.Errorf("joined error: %d lines, ending %q", strings.Count(msg, "\n")+1, msg[max(0, len(msg)-60):])
	}
}

func TestReadLongLines(t *testing.T) {
	long := `{"resourceType":"Basic","text":"` + strings.Repeat("x", 200_000) + `"}`
	content := `{"resourceType":"Patient"}` + "\n" + long + "\n" + `{"resourceType":"Patient"}` + "\n"
	path := writeFile(t, t.TempDir(), "p.ndjson", content, false)

	// A line longer than the read buffer but within the limit.
	items, bad, err := readAll(t, path, Limits{})
	if err != nil || len(bad) != 0 || len(items) != 3 || string(items[1].Raw) != long {
		t.Fatalf("default limits: %d items, malformed %v, err %v", len(items), bad, err)
	}

	// The same line over the limit is skipped, and the next is read.
	items, bad, err = readAll(t, path, Limits{MaxLineBytes: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemLines(items); !equalInts(got, []int{1, 3}) {
		t.Errorf("item lines %v", got)
	}
	if len(bad) != 1 || bad[0].Line != 2 || fhir.CodeOf(bad[0]) != fhir.IssueTooLong {
		t.Errorf("malformed %v", bad)
	}

	// A line exactly at the limit passes, CR LF excluded.
	exact := `{"resourceType":"Patient"}`
	path = writeFile(t, t.TempDir(), "q.ndjson", exact+"\r\n"+exact+"x\r\n", false)
	items, bad, err = readAll(t, path, Limits{MaxLineBytes: len(exact)})
	if err != nil || len(items) != 1 || len(bad) != 1 || bad[0].Line != 2 {
		t.Errorf("at the limit: items %v, malformed %v, err %v", itemLines(items), bad, err)
	}
}

func TestReadGzipDetectedByContent(t *testing.T) {
	dir := t.TempDir()
	res := `{"resourceType":"Patient","id":"z"}`
	for _, c := range []struct {
		name string
		gz   bool
	}{{"gz-named-plain.ndjson", true}, {"plain-named-gz.ndjson.gz", false}, {"gz.json", true}, {"plain.json.gz", false}} {
		path := writeFile(t, dir, c.name, res+"\n", c.gz)
		items, bad, err := readAll(t, path, Limits{})
		if err != nil || len(bad) != 0 || len(items) != 1 || items[0].Resource["id"] != "z" {
			t.Errorf("%s: items %d, malformed %v, err %v", c.name, len(items), bad, err)
		}
	}
}

func TestReadConcatenatedGzipMembers(t *testing.T) {
	data := append(gzipBytes(t, `{"resourceType":"Patient","id":"1"}`+"\n"), gzipBytes(t, `{"resourceType":"Patient","id":"2"}`+"\n")...)
	path := filepath.Join(t.TempDir(), "p.ndjson.gz")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	items, _, err := readAll(t, path, Limits{})
	if err != nil || !equalInts(itemLines(items), []int{1, 2}) {
		t.Errorf("items %v, err %v", itemLines(items), err)
	}
}

func TestReadCorruptGzip(t *testing.T) {
	var b strings.Builder
	for range 2000 {
		b.WriteString(`{"resourceType":"Patient","id":"` + strings.Repeat("p", 40) + `"}` + "\n")
	}
	data := gzipBytes(t, b.String())
	data = data[:len(data)-4] // cut the trailer: the stream ends too early
	path := filepath.Join(t.TempDir(), "p.ndjson.gz")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	items, _, err := readAll(t, path, Limits{})
	var le *LineError
	if !errors.As(err, &le) || le.File != path || le.Line < 1 || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), ": gzip: unexpected EOF") {
		t.Fatalf("got %v, want a *LineError", err)
	}
	if len(items) == 0 {
		t.Errorf("no item read before the corruption")
	}

	path = writeFile(t, t.TempDir(), "bad.json.gz", "", false)
	if err := os.WriteFile(path, []byte{0x1f, 0x8b, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readAll(t, path, Limits{}); !errors.As(err, &le) || le.Line != 0 {
		t.Errorf("bad gzip header: got %v", err)
	}
}

const bundleJSON = `
{
  "resourceType": "Bundle",
  "type": "transaction",
  "entry": [ {
    "fullUrl": "urn:uuid:1",
    "resource": {
      "resourceType": "Patient",
      "id": "1"
    }
  }, {
    "request": {"method": "DELETE", "url": "Patient/2"}
  }, {"resource":
      {"resourceType": "Observation", "valueQuantity": {"value": 2.0}}}
  ]
}
`

func TestReadBundleFile(t *testing.T) {
	for _, gz := range []bool{false, true} {
		name := "bundle.json"
		if gz {
			name += ".gz"
		}
		path := writeFile(t, t.TempDir(), name, bundleJSON, gz)
		items, bad, err := readAll(t, path, Limits{})
		if err != nil || len(bad) != 0 || len(items) != 1 {
			t.Fatalf("%s: items %d, malformed %v, err %v", name, len(items), bad, err)
		}
		it := items[0]
		if it.Line != 2 || it.Resource["resourceType"] != "Bundle" || len(it.Resource["entry"].([]any)) != 3 {
			t.Errorf("%s: line %d, resource %v", name, it.Line, it.Resource)
		}
		if string(it.Raw) != bundleJSON {
			t.Errorf("%s: Raw is not the file", name)
		}
		lines, err := EntryLines(it.Raw)
		if err != nil || !equalInts(lines, []int{7, 0, 14}) {
			t.Errorf("EntryLines = %v, %v; want [7 0 14]", lines, err)
		}
	}
}

func TestReadMalformedJSONFiles(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		limits        Limits
		line          int
		code          fhir.IssueType
	}{
		{"syntax.json", "\n\n{\"resourceType\": \"Bundle\",,}", Limits{}, 3, fhir.IssueStructure},
		{"empty.json", " \n", Limits{}, 1, fhir.IssueStructure},
		{"array.json", "[]", Limits{}, 1, fhir.IssueStructure},
		{"two.json", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}\n", Limits{}, 1, fhir.IssueStructure},
		{"notype.json", `{"id":"x"}`, Limits{}, 1, fhir.IssueRequired},
		{"big.json", `{"resourceType":"Patient","id":"0123456789"}`, Limits{MaxFileBytes: 20}, 1, fhir.IssueTooLong},
		{"deep.json", `{"resourceType":"Patient","a":{"b":{"c":{}}}}`, Limits{MaxDepth: 3}, 1, fhir.IssueTooCostly},
	} {
		path := writeFile(t, dir, c.name, c.content, false)
		items, bad, err := readAll(t, path, c.limits)
		if err != nil || len(items) != 0 || len(bad) != 1 {
			t.Errorf("%s: items %d, malformed %v, err %v", c.name, len(items), bad, err)
			continue
		}
		if bad[0].Line != c.line || fhir.CodeOf(bad[0]) != c.code {
			t.Errorf("%s: line %d code %s (%v), want line %d code %s", c.name, bad[0].Line, fhir.CodeOf(bad[0]), bad[0], c.line, c.code)
		}
	}
}

func TestReadStopsOnCallbackErrors(t *testing.T) {
	content := "{\"resourceType\":\"Patient\"}\nbad\n{\"resourceType\":\"Patient\"}\n"
	path := writeFile(t, t.TempDir(), "p.ndjson", content, false)

	stop := errors.New("stop")
	calls := 0
	err := ReadFile(path, Limits{OnError: func(*LineError) error { return nil }}, func(Item) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("fn error: got %v after %d calls", err, calls)
	}

	calls = 0
	err = ReadFile(path, Limits{OnError: func(*LineError) error { return stop }}, func(Item) error {
		calls++
		return nil
	})
	if err != stop || calls != 1 {
		t.Errorf("OnError error: got %v after %d calls", err, calls)
	}

	// Without OnError, the stopping error comes first, then the malformed
	// records collected before it.
	calls = 0
	err = ReadFile(path, Limits{}, func(Item) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	var le *LineError
	if !errors.Is(err, stop) || !errors.As(err, &le) || le.Line != 2 {
		t.Errorf("without OnError: got %v", err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	err := ReadFile(filepath.Join(dir, "missing.ndjson"), Limits{}, func(Item) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	path := writeFile(t, dir, "p.txt", `{"resourceType":"Patient"}`, false)
	err = ReadFile(path, Limits{}, func(Item) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "unsupported file name") {
		t.Errorf("unsupported name: %v", err)
	}
}

func TestReadRawIsOwned(t *testing.T) {
	var b strings.Builder
	for i := range 500 {
		b.WriteString(`{"resourceType":"Patient","id":"` + strings.Repeat(string(rune('a'+i%26)), 1+i%300) + `"}` + "\n")
	}
	path := writeFile(t, t.TempDir(), "p.ndjson", b.String(), false)
	items, _, err := readAll(t, path, Limits{})
	if err != nil || len(items) != 500 {
		t.Fatalf("%d items, err %v", len(items), err)
	}
	want := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, it := range items {
		if string(it.Raw) != want[i] {
			t.Fatalf("Raw of line %d changed after later reads", i+1)
		}
	}
}

func TestReadReportsProgress(t *testing.T) {
	var b strings.Builder
	for range 3000 {
		b.WriteString(`{"resourceType":"Patient"}` + "\n")
	}
	for _, gz := range []bool{false, true} {
		path := writeFile(t, t.TempDir(), "p.ndjson.gz", b.String(), gz)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p := NewProgress(&out, info.Size(), false)
		if _, _, err := readAll(t, path, Limits{Progress: p}); err != nil {
			t.Fatal(err)
		}
		if p.bytes != info.Size() {
			t.Errorf("gzip %v: progress counted %d bytes of %d", gz, p.bytes, info.Size())
		}
	}
}

func TestReadSyntheaBundle(t *testing.T) {
	const path = "/work/shared/testdata/synthea-r4/0-hospitalInformation1625911868739.json.gz"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no Synthea sample: %v", err)
	}
	items, bad, err := readAll(t, path, Limits{})
	if err != nil || len(bad) != 0 || len(items) != 1 {
		t.Fatalf("items %d, malformed %v, err %v", len(items), bad, err)
	}
	it := items[0]
	if it.Line != 1 || it.Resource["resourceType"] != "Bundle" {
		t.Fatalf("line %d, resourceType %v", it.Line, it.Resource["resourceType"])
	}
	entries, _ := it.Resource["entry"].([]any)
	if len(entries) == 0 {
		t.Fatal("no entries")
	}
	lines, err := EntryLines(it.Raw)
	if err != nil || len(lines) != len(entries) {
		t.Fatalf("EntryLines: %d lines for %d entries, %v", len(lines), len(entries), err)
	}
	rawLines := strings.Split(string(it.Raw), "\n")
	for i, e := range entries {
		res := e.(map[string]any)["resource"].(map[string]any)
		if res["resourceType"] == nil {
			t.Errorf("entry %d has no resourceType", i)
		}
		// Synthea pretty-prints: the resource's line is `"resource" : {`.
		if l := lines[i]; l < 1 || !strings.Contains(rawLines[l-1], `"resource"`) {
			t.Errorf("entry %d: line %d is %q", i, l, rawLines[max(0, l-1)])
		}
	}
	t.Logf("%d entries; first resource at line %d", len(entries), lines[0])
}

// TestSizeHint checks the guess of a file's content length: the length of a
// plain file, the gzip trailer's length, and a forged trailer capped at 32
// times the compressed length.
func TestSizeHint(t *testing.T) {
	dir := t.TempDir()
	// Hex digits of a pseudo-random sequence: compresses about 2 to 1, far
	// below the cap.
	var sb strings.Builder
	for x := uint32(1); sb.Len() < 4000; x = x*1664525 + 1013904223 {
		fmt.Fprintf(&sb, "%08x", x)
	}
	content := `{"resourceType":"Basic","id":"` + sb.String() + `"}`
	hint := func(path string, gz bool) int64 {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return sizeHint(f, gz)
	}
	if got := hint(writeFile(t, dir, "a.json", content, false), false); got != int64(len(content)) {
		t.Errorf("plain file: hint %d, want %d", got, len(content))
	}
	gz := writeFile(t, dir, "a.json.gz", content, true)
	if got := hint(gz, true); got != int64(len(content)) {
		t.Errorf("gzip file: hint %d, want %d", got, len(content))
	}
	data, err := os.ReadFile(gz)
	if err != nil {
		t.Fatal(err)
	}
	copy(data[len(data)-4:], []byte{0xff, 0xff, 0xff, 0xff}) // ISIZE 4 GiB - 1
	forged := filepath.Join(dir, "forged.json.gz")
	if err := os.WriteFile(forged, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := hint(forged, true), 32*int64(len(data)); got != want {
		t.Errorf("forged trailer: hint %d, want the cap %d", got, want)
	}
}
