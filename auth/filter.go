package auth

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Filter admits patients one by one, for callers who may read "every
// patient" only within limits: a regulator within the region they
// supervise, and a system client less the residents whose Consent refuses
// its institution or its purpose of use. A Filter belongs to one decision
// (one request): it caches the regions it looked up.
type Filter struct {
	// refused are patients excluded by consent (sorted).
	refused []string
	// region is a GB/T 2260 code prefix ("11", "1101", "110105"); "" when
	// the filter does not limit by region.
	region  string
	regions RegionFinder

	mu   sync.Mutex
	seen map[string]bool
}

// RegionFinder tells where a patient lives: the GB/T 2260 division codes
// of the patient's addresses (package auth's Regions reads them from the
// Patient resource).
type RegionFinder interface {
	DivisionsOf(ctx context.Context, patient string) ([]string, error)
}

// Admits reports whether the filter lets the caller reach patient.
func (f *Filter) Admits(ctx context.Context, patient string) (bool, error) {
	if _, ok := slices.BinarySearch(f.refused, patient); ok {
		return false, nil
	}
	if f.region == "" {
		return true, nil
	}
	f.mu.Lock()
	ok, known := f.seen[patient]
	f.mu.Unlock()
	if known {
		return ok, nil
	}
	codes, err := f.regions.DivisionsOf(ctx, patient)
	if err != nil {
		return false, err
	}
	ok = slices.ContainsFunc(codes, func(c string) bool { return strings.HasPrefix(c, f.region) })
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	f.seen[patient] = ok
	f.mu.Unlock()
	return ok, nil
}

// divisionCode is a GB/T 2260 administrative division code: six digits.
var divisionCode = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// RegionPrefix returns the prefix the codes within division share: a
// province ("110000") covers "11…", a prefecture-level city ("110100")
// "1101…", a county its own code. ok is false for anything but a six-digit
// code.
func RegionPrefix(division string) (prefix string, ok bool) {
	if !divisionCode.MatchString(division) {
		return "", false
	}
	switch {
	case strings.HasSuffix(division, "0000"):
		return division[:2], true
	case strings.HasSuffix(division, "00"):
		return division[:4], true
	}
	return division, true
}
