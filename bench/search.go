package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// SearchOptions configure the search scenario.
type SearchOptions struct {
	Backend string
	// Handler serves the FHIR API under /fhir; the scenario talks to it
	// over loopback HTTP, as a client would.
	Handler http.Handler
	// Token is the bearer token the scenario's requests carry.
	Token string
	// Store is the loaded store, read to pick realistic parameter values.
	Store store.Store
	// Samples is the number of timed searches per query shape (default 200).
	Samples int
	// Clients and Duration shape the throughput phase (default 8 clients
	// for 10 s).
	Clients  int
	Duration time.Duration
	Seed     uint64
	Log      io.Writer
	// CPUProfile, when set, names a file for a CPU profile of the timed
	// searches.
	CPUProfile string
}

// ShapeResult is the latency of one query shape.
type ShapeResult struct {
	Name          string
	Example       string
	P50, P99, Max time.Duration
	// Matches is the mean number of matches on the first page.
	Matches float64
}

// SearchResult is the outcome of the search scenario on one backend.
type SearchResult struct {
	Backend    string
	Resources  int
	Shapes     []ShapeResult
	Clients    int
	Throughput float64 // searches/s, all shapes mixed
	Errors     int
}

func (r SearchResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "search %-8s resources=%d cpus=%d go=%s\n", r.Backend, r.Resources, runtime.NumCPU(), runtime.Version())
	for _, s := range r.Shapes {
		fmt.Fprintf(&b, "  %-36s p50=%6.2fms p99=%6.2fms max=%7.2fms matches=%.1f\n", s.Name, ms(s.P50), ms(s.P99), ms(s.Max), s.Matches)
	}
	fmt.Fprintf(&b, "  throughput with %d clients: %.0f searches/s (errors: %d)", r.Clients, r.Throughput, r.Errors)
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// shape makes one query of a kind from the sampled values.
type shape struct {
	name string
	make func(r *rand.Rand) string
}

// Search times the common query shapes on a loaded store: first each shape
// alone (Samples searches, one client), then all shapes mixed by Clients
// concurrent clients for Duration.
func Search(ctx context.Context, o SearchOptions) (SearchResult, error) {
	if o.Samples <= 0 {
		o.Samples = 200
	}
	if o.Clients <= 0 {
		o.Clients = 8
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	res := SearchResult{Backend: o.Backend, Clients: o.Clients}
	s, n, err := sample(ctx, o.Store, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return res, err
	}
	res.Resources = n
	srv := httptest.NewServer(o.Handler)
	defer srv.Close()
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients * 2}}
	shapes := s.shapes()
	rnd := rand.New(rand.NewPCG(o.Seed, 2))
	for _, sh := range shapes {
		var lat []time.Duration
		matches := 0
		example := ""
		for i := 0; i < o.Samples; i++ {
			q := sh.make(rnd)
			if example == "" {
				example = q
			}
			start := time.Now()
			body, err := get(ctx, client, o.Token, srv.URL+"/fhir/"+q)
			lat = append(lat, time.Since(start))
			if err != nil {
				return res, fmt.Errorf("%s: %s: %w", sh.name, q, err)
			}
			total, err := countMatches(body)
			if err != nil {
				return res, fmt.Errorf("%s: %s: %w", sh.name, q, err)
			}
			matches += total
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		r := ShapeResult{Name: sh.name, Example: example, P50: lat[len(lat)/2], P99: lat[len(lat)*99/100], Max: lat[len(lat)-1], Matches: float64(matches) / float64(o.Samples)}
		fmt.Fprintf(o.Log, "search %s %s: p50 %.2fms p99 %.2fms (e.g. %s)\n", o.Backend, sh.name, ms(r.P50), ms(r.P99), example)
		res.Shapes = append(res.Shapes, r)
	}
	var done, failed atomic.Int64
	deadline := time.Now().Add(o.Duration)
	var wg sync.WaitGroup
	for c := 0; c < o.Clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(o.Seed, uint64(10+c)))
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				sh := shapes[i%len(shapes)]
				if _, err := get(ctx, client, o.Token, srv.URL+"/fhir/"+sh.make(r)); err != nil {
					failed.Add(1)
				}
				done.Add(1)
			}
		}(c)
	}
	start := time.Now()
	wg.Wait()
	res.Throughput = float64(done.Load()) / time.Since(start).Seconds()
	res.Errors = int(failed.Load())
	return res, ctx.Err()
}

// get runs one search and returns its body, a searchset Bundle; any status
// but 200 is an error. It does not parse the Bundle (countMatches does):
// the scenario's clients share the server's cores, and a load generator
// that decoded every page took an eighth of them.
func get(ctx context.Context, c *http.Client, token, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, body)
	}
	if !bytes.HasPrefix(body, []byte(`{"resourceType":"Bundle"`)) {
		return nil, fmt.Errorf("not a Bundle: %.300s", body)
	}
	return body, nil
}

// countMatches returns the number of matches on a searchset Bundle's page.
func countMatches(body []byte) (int, error) {
	b, err := fhir.Decode(body, 0)
	if err != nil {
		return 0, err
	}
	entries, _ := b["entry"].([]any)
	n := 0
	for _, e := range entries {
		if m, _ := e.(map[string]any); m != nil {
			if s, _ := m["search"].(map[string]any); s != nil && s["mode"] == "match" {
				n++
			}
		}
	}
	return n, nil
}

// samples are parameter values read from the loaded data.
type samples struct {
	patients  []patientSample
	obsCodes  []string // LOINC codes of Observations
	condCodes []string // SNOMED codes of Conditions
}

type patientSample struct {
	id, idSystem, idValue, family, given, birthDate string
}

func (s samples) shapes() []shape {
	pick := func(r *rand.Rand) patientSample { return s.patients[r.IntN(len(s.patients))] }
	code := func(r *rand.Rand, codes []string) string { return codes[r.IntN(len(codes))] }
	return []shape{
		{"patient by identifier", func(r *rand.Rand) string {
			p := pick(r)
			return "Patient?identifier=" + url.QueryEscape(p.idSystem+"|"+p.idValue)
		}},
		{"patient by family+given+birthdate", func(r *rand.Rand) string {
			p := pick(r)
			return "Patient?family=" + url.QueryEscape(p.family) + "&given=" + url.QueryEscape(p.given) + "&birthdate=" + p.birthDate
		}},
		{"observations by patient+code+date, sorted", func(r *rand.Rand) string {
			y := 2000 + r.IntN(16)
			return fmt.Sprintf("Observation?patient=%s&code=http://loinc.org|%s&date=ge%d-01-01&date=lt%d-01-01&_sort=-date", pick(r).id, code(r, s.obsCodes), y, y+5)
		}},
		{"encounters by patient _include practitioners", func(r *rand.Rand) string {
			return "Encounter?patient=" + pick(r).id + "&_include=Encounter:participant:Practitioner"
		}},
		{"conditions by code", func(r *rand.Rand) string {
			return "Condition?code=http://snomed.info/sct|" + code(r, s.condCodes)
		}},
		{"_has observation code to patients", func(r *rand.Rand) string {
			return "Patient?_has:Observation:patient:code=" + code(r, s.obsCodes)
		}},
	}
}

// sample reads patients and codes from the store, and counts resources.
func sample(ctx context.Context, st store.Store, r *rand.Rand) (samples, int, error) {
	var s samples
	total := 0
	obs, cond := map[string]bool{}, map[string]bool{}
	err := st.View(ctx, func(tx store.Tx) error {
		q := store.CurrentQuery{Count: 1000}
		for {
			vs, err := tx.ListCurrent(ctx, q)
			if err != nil {
				return err
			}
			for _, v := range vs {
				total++
				switch {
				case v.Type == "Patient" && (len(s.patients) < 2000 || r.IntN(4) == 0):
					if p, ok := patientOf(v); ok {
						s.patients = append(s.patients, p)
					}
				case v.Type == "Observation" && len(obs) < 40:
					if c := firstCode(v, "http://loinc.org"); c != "" {
						obs[c] = true
					}
				case v.Type == "Condition" && len(cond) < 40:
					if c := firstCode(v, "http://snomed.info/sct"); c != "" {
						cond[c] = true
					}
				}
			}
			if len(vs) < q.Count {
				return nil
			}
			last := vs[len(vs)-1]
			q.AfterType, q.AfterID = last.Type, last.ID
		}
	})
	if err != nil {
		return s, 0, err
	}
	for c := range obs {
		s.obsCodes = append(s.obsCodes, c)
	}
	for c := range cond {
		s.condCodes = append(s.condCodes, c)
	}
	sort.Strings(s.obsCodes)
	sort.Strings(s.condCodes)
	if len(s.patients) == 0 || len(s.obsCodes) == 0 || len(s.condCodes) == 0 {
		return s, total, fmt.Errorf("the store holds no Synthea-like data to sample (patients %d, observation codes %d, condition codes %d)", len(s.patients), len(s.obsCodes), len(s.condCodes))
	}
	return s, total, nil
}

func patientOf(v store.Version) (patientSample, bool) {
	res, err := fhir.Decode(v.Body, 0)
	if err != nil {
		return patientSample{}, false
	}
	p := patientSample{id: v.ID}
	p.birthDate, _ = res["birthDate"].(string)
	if names, _ := res["name"].([]any); len(names) > 0 {
		n, _ := names[0].(map[string]any)
		p.family, _ = n["family"].(string)
		if g, _ := n["given"].([]any); len(g) > 0 {
			p.given, _ = g[0].(string)
		}
	}
	ids, _ := res["identifier"].([]any)
	for _, x := range ids {
		m, _ := x.(map[string]any)
		if sys, _ := m["system"].(string); sys == "http://hl7.org/fhir/sid/us-ssn" {
			p.idSystem = sys
			p.idValue, _ = m["value"].(string)
		}
	}
	return p, p.idValue != "" && p.family != "" && p.given != "" && p.birthDate != ""
}

func firstCode(v store.Version, system string) string {
	res, err := fhir.Decode(v.Body, 0)
	if err != nil {
		return ""
	}
	cc, _ := res["code"].(map[string]any)
	codings, _ := cc["coding"].([]any)
	for _, c := range codings {
		m, _ := c.(map[string]any)
		if m["system"] == system {
			s, _ := m["code"].(string)
			return s
		}
	}
	return ""
}
