package rest_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store/storetest"
)

// syntheaDir is the Synthea R4 sample, beside the repository.
const syntheaDir = "../../shared/testdata/synthea-r4"

// syntheaFiles lists the Synthea bundles, the two 0-* bundles (hospitals
// and practitioners, which the others reference conditionally) first. A
// missing sample skips the test, or fails it under CI=true.
func syntheaFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(syntheaDir, "*.json.gz"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no *.json.gz bundles in %s", syntheaDir)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Synthea sample is missing: %v", err)
		}
		t.Skipf("the Synthea sample is missing: %v", err)
	}
	slices.SortStableFunc(files, func(a, b string) int {
		ap, bp := strings.HasPrefix(filepath.Base(a), "0-"), strings.HasPrefix(filepath.Base(b), "0-")
		switch {
		case ap && !bp:
			return -1
		case bp && !ap:
			return 1
		}
		return strings.Compare(a, b)
	})
	return files
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// TestSyntheaOverHTTP posts every Synthea transaction bundle over HTTP to
// each backend, then reads every created resource back (GET on the
// response location) and checks it equals the resource sent apart from id,
// meta.versionId, meta.lastUpdated and the references the server resolved:
// each urn:uuid: reference must now name the resource created from that
// entry, and each conditional reference the resource whose identifier it
// names.
func TestSyntheaOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: 92k resources over HTTP per backend")
	}
	files := syntheaFiles(t)
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			rt := &roundTrip{e: newEnv(t, b), created: map[string]bool{}, byIdentifier: map[string]string{}}
			start := time.Now()
			for _, f := range files {
				rt.bundle(t, f)
				if t.Failed() && rt.failures.Load() > 20 {
					t.Fatalf("stopping after %d mismatches", rt.failures.Load())
				}
			}
			if got := rt.e.systemTotal(t); got != rt.resources {
				t.Errorf("the store holds %d versions; %d resources were created", got, rt.resources)
			}
			t.Logf("%d bundles, %d resources, %d read back, %d references checked in %v (posting %v)",
				len(files), rt.resources, rt.read.Load(), rt.refs.Load(), time.Since(start).Round(time.Second), rt.posting.Round(time.Second))
		})
	}
}

// roundTrip carries what one backend's run has learnt.
type roundTrip struct {
	e *env
	// created holds "Type/id" of every resource the server created.
	created map[string]bool
	// byIdentifier maps "Type|system|value" of every created resource to
	// its "Type/id", to check conditional references.
	byIdentifier map[string]string
	resources    int
	posting      time.Duration
	read, refs   atomic.Int64
	failures     atomic.Int64
}

// readers is how many goroutines read resources back at once.
const readers = 4

func (rt *roundTrip) bundle(t *testing.T, path string) {
	t.Helper()
	raw := gunzip(t, path)
	sent, err := fhir.Decode(raw, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	start := time.Now()
	r := rt.e.do(t, "POST", "", raw, "Prefer", "return=minimal")
	rt.posting += time.Since(start)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: %s", filepath.Base(path), r)
	}
	resp := list(r.JSON(t), "entry")
	entries := list(sent, "entry")
	if len(resp) != len(entries) {
		t.Fatalf("%s: %d response entries for %d entries", path, len(resp), len(entries))
	}
	byURL := map[string]string{}
	targets := make([]string, len(entries))
	for i, x := range resp {
		targets[i] = target(t, x)
		byURL[str(entries[i], "fullUrl")] = targets[i]
		switch status := str(x, "response", "status"); status {
		case "201 Created":
			rt.created[targets[i]] = true
			rt.resources++
		case "200 OK": // a conditional create that matched
			if !rt.created[targets[i]] {
				t.Errorf("%s entry %d: matched %s, which was never created", filepath.Base(path), i, targets[i])
			}
		default:
			t.Fatalf("%s entry %d: status %q", filepath.Base(path), i, status)
		}
		typ, _, _ := strings.Cut(targets[i], "/")
		for _, id := range list(entries[i], "resource", "identifier") {
			key := typ + "|" + str(id, "system") + "|" + str(id, "value")
			if _, dup := rt.byIdentifier[key]; !dup {
				rt.byIdentifier[key] = targets[i]
			}
		}
	}

	name := filepath.Base(path)
	next := make(chan int)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if str(resp[i], "response", "status") != "201 Created" {
					continue
				}
				rt.check(t, fmt.Sprintf("%s entry %d", name, i), get(entries[i], "resource").(map[string]any), str(resp[i], "response", "location"), byURL)
			}
		}()
	}
	for i := range entries {
		next <- i
	}
	close(next)
	wg.Wait()
}

var historyRE = regexp.MustCompile(`/_history/(\d+)$`)

// check reads location back and compares it with sent.
func (rt *roundTrip) check(t *testing.T, where string, sent map[string]any, location string, byURL map[string]string) {
	r := rt.e.do(t, "GET", "/"+location, nil)
	if r.Status != http.StatusOK {
		rt.fail(t, "%s: %s", where, r)
		return
	}
	rt.read.Add(1)
	got, err := fhir.Decode(r.Body, 0)
	if err != nil {
		rt.fail(t, "%s: GET %s: %v", where, location, err)
		return
	}
	typ, rest, _ := strings.Cut(location, "/")
	id, _, _ := strings.Cut(rest, "/")
	if got["resourceType"] != typ || got["id"] != id || str(got, "meta", "versionId") != historyRE.FindStringSubmatch(location)[1] {
		rt.fail(t, "%s: read %s as %v/%v version %v", where, location, got["resourceType"], got["id"], str(got, "meta", "versionId"))
	}
	delete(got, "id")
	if meta, ok := got["meta"].(map[string]any); ok {
		delete(meta, "versionId")
		delete(meta, "lastUpdated")
		if len(meta) == 0 {
			delete(got, "meta")
		}
	}
	want := clone(sent)
	delete(want, "id")
	if diff := rt.compare(typ, want, got, byURL); diff != "" {
		rt.fail(t, "%s (%s): %s", where, location, diff)
	}
}

func (rt *roundTrip) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	if rt.failures.Add(1) <= 20 {
		t.Errorf(format, args...)
	}
}

// compare walks sent and got together and describes the first difference
// ("" when equal). References that were urn:uuid: or conditional must have
// been resolved; all else must be equal.
func (rt *roundTrip) compare(path string, sent, got any, byURL map[string]string) string {
	switch s := sent.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: sent an object, got %T", path, got)
		}
		for k := range g {
			if _, ok := s[k]; !ok {
				return fmt.Sprintf("%s.%s: not sent, got %v", path, k, fhir.Marshal(g[k]))
			}
		}
		for k, sv := range s {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: sent %s, missing", path, k, fhir.Marshal(sv))
			}
			if ref, isStr := sv.(string); k == "reference" && isStr {
				if d := rt.compareRef(path+".reference", ref, gv, byURL); d != "" {
					return d
				}
				continue
			}
			if d := rt.compare(path+"."+k, sv, gv, byURL); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return fmt.Sprintf("%s: sent %s, got %s", path, fhir.Marshal(s), fhir.Marshal(got))
		}
		for i := range s {
			if d := rt.compare(fmt.Sprintf("%s[%d]", path, i), s[i], g[i], byURL); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(sent, got) {
			return fmt.Sprintf("%s: sent %s, got %s", path, fhir.Marshal(sent), fhir.Marshal(got))
		}
	}
	return ""
}

var localRefRE = regexp.MustCompile(`^[A-Z][A-Za-z]+/[A-Za-z0-9.\-]{1,64}$`)

func (rt *roundTrip) compareRef(path, sent string, got any, byURL map[string]string) string {
	g, _ := got.(string)
	var want string
	switch {
	case strings.HasPrefix(sent, "urn:uuid:"):
		want = byURL[sent]
		if want == "" {
			return fmt.Sprintf("%s: %q names no entry of the bundle", path, sent)
		}
	case strings.Contains(sent, "?"):
		typ, crit, _ := strings.Cut(sent, "?")
		name, value, _ := strings.Cut(crit, "=")
		sys, code, _ := strings.Cut(value, "|")
		if name != "identifier" {
			return fmt.Sprintf("%s: unexpected conditional reference %q", path, sent)
		}
		want = rt.byIdentifier[typ+"|"+sys+"|"+code]
		if want == "" {
			return fmt.Sprintf("%s: no created resource has the identifier of %q", path, sent)
		}
	default:
		if g != sent {
			return fmt.Sprintf("%s: sent %q, got %q", path, sent, g)
		}
		return ""
	}
	rt.refs.Add(1)
	switch {
	case !localRefRE.MatchString(g):
		return fmt.Sprintf("%s: %q became %q, not Type/id", path, sent, g)
	case g != want:
		return fmt.Sprintf("%s: %q became %q, want %q", path, sent, g, want)
	case !rt.created[g]:
		return fmt.Sprintf("%s: %q became %q, which was never created", path, sent, g)
	}
	return ""
}
