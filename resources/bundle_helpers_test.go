package resources_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/resources"
)

// urn returns the nth test urn:uuid.
func urn(n int) string { return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", n) }

// Entry builders: each returns the JSON of one bundle entry.

func postEntry(fullURL, resource string) string {
	return fmt.Sprintf(`{"fullUrl":%q,"resource":%s,"request":{"method":"POST","url":%q}}`, fullURL, resource, typeOf(resource))
}

func postIfEntry(fullURL, resource, ifNoneExist string) string {
	return fmt.Sprintf(`{"fullUrl":%q,"resource":%s,"request":{"method":"POST","url":%q,"ifNoneExist":%q}}`, fullURL, resource, typeOf(resource), ifNoneExist)
}

func putEntry(url, resource string) string {
	return fmt.Sprintf(`{"resource":%s,"request":{"method":"PUT","url":%q}}`, resource, url)
}

func putIfMatchEntry(url, resource string, ifMatch int) string {
	return fmt.Sprintf(`{"resource":%s,"request":{"method":"PUT","url":%q,"ifMatch":"W/\"%d\""}}`, resource, url, ifMatch)
}

func patchEntry(url, patch string) string {
	data := base64.StdEncoding.EncodeToString([]byte(patch))
	return fmt.Sprintf(`{"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":%q},"request":{"method":"PATCH","url":%q}}`, data, url)
}

func deleteEntry(url string) string {
	return fmt.Sprintf(`{"request":{"method":"DELETE","url":%q}}`, url)
}

func getEntry(url string) string {
	return fmt.Sprintf(`{"request":{"method":"GET","url":%q}}`, url)
}

// typeOf reads the resourceType of a resource's JSON.
func typeOf(resource string) string {
	_, rest, _ := strings.Cut(resource, `"resourceType":"`)
	typ, _, _ := strings.Cut(rest, `"`)
	return typ
}

// bundleOf builds a Bundle of the given type from entries' JSON.
func bundleOf(t testing.TB, typ string, entries ...string) map[string]any {
	t.Helper()
	return res(t, fmt.Sprintf(`{"resourceType":"Bundle","type":%q,"entry":[%s]}`, typ, strings.Join(entries, ",")))
}

// transaction runs a transaction that must succeed and returns its
// response bundle with resources.
func (e *env) transaction(entries ...string) map[string]any {
	e.t.Helper()
	out, err := e.svc.Transaction(ctx, bundleOf(e.t, "transaction", entries...))
	if err != nil {
		e.t.Fatalf("transaction: %v", err)
	}
	return out.Bundle(resources.ReturnRepresentation)
}

// failTransaction runs a transaction that must fail, checks that it wrote
// nothing and returns its error.
func (e *env) failTransaction(entries ...string) error {
	e.t.Helper()
	before := e.total()
	_, err := e.svc.Transaction(ctx, bundleOf(e.t, "transaction", entries...))
	if err == nil {
		e.t.Fatal("the transaction succeeded; want a failure")
	}
	if n := e.total(); n != before {
		e.t.Errorf("a failed transaction wrote %d versions", n-before)
	}
	return err
}

// entryResponse returns response bundle entry i's response element.
func entryResponse(b map[string]any, i int) map[string]any {
	r, _ := path(b, "entry", i, "response").(map[string]any)
	return r
}

// entryResource returns response bundle entry i's resource.
func entryResource(b map[string]any, i int) map[string]any {
	r, _ := path(b, "entry", i, "resource").(map[string]any)
	return r
}
