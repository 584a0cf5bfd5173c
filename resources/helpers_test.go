package resources_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/fhir/validate"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

var ctx = context.Background()

// env is one fresh store with a service over it. Its clock is settable:
// every store transaction gets the next millisecond, and last is the time
// the latest transaction got. New ids are "id-1", "id-2", … in order.
type env struct {
	t    *testing.T
	st   store.Store
	svc  *resources.Service
	last time.Time
	ids  int
}

// each runs fn as a subtest on every backend with a fresh env.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	eachWith(t, resources.Limits{}, fn)
}

// eachWith is each with limits for the service.
func eachWith(t *testing.T, limits resources.Limits, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := &env{t: t}
			clock := storetest.NewClock()
			e.st = b.Open(t, func() time.Time { e.last = clock.Now(); return e.last })
			e.svc = resources.New(e.st, resources.Options{
				Validate:       validate.Resource,
				IsResourceType: spec.IsResourceType,
				Limits:         limits,
				NewID:          e.newID,
			})
			fn(t, e)
		})
	}
}

func (e *env) newID() string {
	e.ids++
	return fmt.Sprintf("id-%d", e.ids)
}

// res decodes a resource written as JSON in a test.
func res(t testing.TB, js string) map[string]any {
	t.Helper()
	m, err := fhir.Decode([]byte(js), 0)
	if err != nil {
		t.Fatalf("test resource does not decode: %v\n%s", err, js)
	}
	return m
}

// clone deep-copies a decoded resource (to compare before and after).
func clone(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	return res(t, string(fhir.Marshal(m)))
}

// patient is a Patient's JSON with a family name and identifiers (see ident).
func patient(family string, idents ...string) string {
	if len(idents) == 0 {
		return fmt.Sprintf(`{"resourceType":"Patient","name":[{"family":%q}]}`, family)
	}
	return fmt.Sprintf(`{"resourceType":"Patient","identifier":[%s],"name":[{"family":%q}]}`, strings.Join(idents, ","), family)
}

func ident(system, value string) string {
	if system == "" {
		return fmt.Sprintf(`{"value":%q}`, value)
	}
	return fmt.Sprintf(`{"system":%q,"value":%q}`, system, value)
}

func (e *env) create(js string) resources.Result {
	e.t.Helper()
	r, err := e.svc.Create(ctx, res(e.t, js), "")
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	return r
}

func (e *env) update(typ, id, js string) resources.Result {
	e.t.Helper()
	r, err := e.svc.Update(ctx, typ, id, res(e.t, js), 0)
	if err != nil {
		e.t.Fatalf("update %s/%s: %v", typ, id, err)
	}
	return r
}

func (e *env) delete(typ, id string) resources.Result {
	e.t.Helper()
	r, err := e.svc.Delete(ctx, typ, id, 0)
	if err != nil {
		e.t.Fatalf("delete %s/%s: %v", typ, id, err)
	}
	return r
}

func (e *env) read(typ, id string) map[string]any {
	e.t.Helper()
	r, err := e.svc.Read(ctx, typ, id)
	if err != nil {
		e.t.Fatalf("read %s/%s: %v", typ, id, err)
	}
	return r.Resource
}

// versions returns the whole history of a scope, newest first.
func (e *env) versions(typ, id string) []store.Version {
	e.t.Helper()
	p, err := e.svc.History(ctx, typ, id, time.Time{}, 0, 1000)
	if err != nil {
		e.t.Fatalf("history %s/%s: %v", typ, id, err)
	}
	return p.Versions
}

// total is the number of versions in the whole store.
func (e *env) total() int {
	e.t.Helper()
	p, err := e.svc.History(ctx, "", "", time.Time{}, 0, 1)
	if err != nil {
		e.t.Fatalf("system history: %v", err)
	}
	return p.Total
}

// wantErr checks that err is an *fhir.Error with the given code and HTTP
// status, and that its text contains each of parts.
func wantErr(t testing.TB, err error, code fhir.IssueType, status int, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s (%d)", code, status)
	}
	if _, ok := fhir.AsError(err); !ok {
		t.Fatalf("error %v (%T) is not a *fhir.Error", err, err)
	}
	if got := fhir.CodeOf(err); got != code {
		t.Errorf("code = %s, want %s (error: %v)", got, code, err)
	}
	if got := resources.StatusOf(err); got != status {
		t.Errorf("status = %d, want %d (error: %v)", got, status, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err.Error(), p)
		}
	}
}

// wantStamped checks id, meta.versionId and meta.lastUpdated of a resource
// against its stored version, and that lastUpdated is the transaction's
// clock reading at.
func wantStamped(t testing.TB, r resources.Result, id string, vid int64, at time.Time) {
	t.Helper()
	v := r.Version
	if v.ID != id || v.VersionID != vid {
		t.Errorf("version = %s/%s v%d, want %s v%d", v.Type, v.ID, v.VersionID, id, vid)
	}
	if !v.LastUpdated.Equal(at) {
		t.Errorf("Version.LastUpdated = %v, want the transaction clock %v", v.LastUpdated, at)
	}
	if r.Resource == nil {
		return
	}
	if got := r.Resource["id"]; got != id {
		t.Errorf("resource id = %v, want %s", got, id)
	}
	meta, _ := r.Resource["meta"].(map[string]any)
	if got, want := meta["versionId"], fmt.Sprint(vid); got != want {
		t.Errorf("meta.versionId = %v, want %s", got, want)
	}
	if got, want := meta["lastUpdated"], resources.FormatInstant(at); got != want {
		t.Errorf("meta.lastUpdated = %v, want %s", got, want)
	}
	if string(v.Body) != string(fhir.Marshal(r.Resource)) {
		t.Errorf("stored body differs from the returned resource:\nbody     %s\nresource %s", v.Body, fhir.Marshal(r.Resource))
	}
}

func wantEqual(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantJSON compares two resources by their canonical JSON.
func wantJSON(t testing.TB, what string, got, want map[string]any) {
	t.Helper()
	if g, w := string(fhir.Marshal(got)), string(fhir.Marshal(want)); g != w {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func ids(vs []store.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// vids lists "id/v" of versions.
func vids(vs []store.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%s/%d", v.ID, v.VersionID)
	}
	return out
}

// path reads a nested element of a decoded resource: path elements are
// object keys or array indexes.
func path(m map[string]any, elems ...any) any {
	var cur any = m
	for _, el := range elems {
		switch k := el.(type) {
		case string:
			o, _ := cur.(map[string]any)
			cur = o[k]
		case int:
			a, _ := cur.([]any)
			if k >= len(a) {
				return nil
			}
			cur = a[k]
		}
	}
	return cur
}

func statusOf(err error) int { return resources.StatusOf(err) }
