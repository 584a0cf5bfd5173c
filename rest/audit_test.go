package rest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/validate"
)

// paramValue returns the first value of a Parameters parameter.
func paramValue(t testing.TB, p map[string]any, name string) any {
	t.Helper()
	for _, x := range list(p, "parameter") {
		m := x.(map[string]any)
		if m["name"] == name {
			for k, v := range m {
				if k != "name" {
					return v
				}
			}
		}
	}
	t.Fatalf("no parameter %q in %v", name, p)
	return nil
}

func paramBytes(t testing.TB, p map[string]any, name string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(paramValue(t, p, name).(string))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAuditTrail(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p1 := e.create(t, patient("urn:audit", "1"))
		p2 := e.create(t, patient("urn:audit", "2"))
		o1 := e.create(t, observation("Patient/"+p1))
		e.read(t, "Observation", o1)
		if got := e.search(t, "Observation", "subject=Patient/"+p1); len(got) != 1 {
			t.Fatalf("search: %v", got)
		}
		wantStatus(t, e.do(t, "GET", "/Patient/"+p2+"/_history/9", nil), http.StatusNotFound)
		wantStatus(t, e.do(t, "GET", "/Observation?date=notadate", nil), http.StatusBadRequest)

		// Signing a checkpoint writes and sequences everything recorded.
		r := e.do(t, "POST", "/$audit-checkpoint", nil)
		wantStatus(t, r, http.StatusOK)
		cp := r.JSON(t)
		root := paramBytes(t, cp, "rootHash")
		size, err := paramValue(t, cp, "size").(json.Number).Int64()
		if err != nil {
			t.Fatal(err)
		}
		v, err := audit.ParsePublicKey(paramBytes(t, cp, "publicKey"))
		if err != nil {
			t.Fatal(err)
		}
		if !v.Verify([]byte(paramValue(t, cp, "note").(string)), paramBytes(t, cp, "signature")) {
			t.Fatal("the checkpoint's signature does not verify with its public key")
		}

		events := func(query string) []map[string]any {
			t.Helper()
			r := e.do(t, "GET", "/$audit-events?"+query, nil)
			wantStatus(t, r, http.StatusOK)
			var out []map[string]any
			for _, x := range list(r.JSON(t), "entry") {
				ae := get(x, "resource").(map[string]any)
				raw, _ := json.Marshal(ae)
				res, err := fhir.Decode(raw, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, is := range validate.Resource(res) {
					if is.Severity == fhir.SeverityError || is.Severity == fhir.SeverityFatal {
						t.Errorf("the AuditEvent is not valid R4: %v\n%s", is, raw)
					}
				}
				out = append(out, ae)
			}
			return out
		}
		subtypes := func(aes []map[string]any) []string {
			var out []string
			for _, ae := range aes {
				out = append(out, str(ae, "subtype", 0, "code")+":"+str(ae, "outcome"))
			}
			return out
		}
		// Who touched patient 1, newest first.
		got := subtypes(events("patient=" + p1))
		want := []string{"search-type:0", "read:0", "create:0", "create:0"}
		if !slices.Equal(got, want) {
			t.Errorf("patient 1's trail %v, want %v", got, want)
		}
		if got := subtypes(events("patient=Patient/" + p2 + "&outcome=4")); !slices.Equal(got, []string{"vread:4"}) {
			t.Errorf("patient 2's failed acts %v", got)
		}
		if got := subtypes(events("action=C&_count=2")); len(got) != 2 {
			t.Errorf("creates, two per page: %v", got)
		}
		if got := subtypes(events("date=ge2000-01-01&date=lt2000-01-02")); len(got) != 0 {
			t.Errorf("acts of 2000: %v", got)
		}
		// The bad search is recorded as failed, with its parameter names only.
		bad := events("outcome=4&subtype=search-type")
		if len(bad) != 1 || str(bad[0], "outcomeDesc") != "invalid" {
			t.Errorf("the failed search: %v", bad)
		}

		// Every entry the checkpoint covers is proven against its root.
		// (Later entries, such as those of the $audit-events requests
		// above, may or may not be in the tree yet.)
		seen := map[int64]bool{}
		for _, ae := range events("_count=1000") {
			v := str(ae, "extension", 0, "valueString")
			if v == "" {
				continue
			}
			idx, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if idx >= size {
				continue
			}
			seen[idx] = true
			r := e.do(t, "GET", "/$audit-proof?index="+v, nil)
			wantStatus(t, r, http.StatusOK)
			pp := r.JSON(t)
			p := audit.Inclusion{Index: idx, Size: size, LeafHash: paramBytes(t, pp, "leafHash")}
			for _, x := range list(pp, "parameter") {
				if get(x, "name") == "hash" {
					b, _ := base64.StdEncoding.DecodeString(str(x, "valueBase64Binary"))
					p.Hashes = append(p.Hashes, b)
				}
			}
			h, _ := audit.NewHasher(audit.SM3)
			if err := audit.VerifyInclusion(h, p, root); err != nil {
				t.Errorf("entry %d: %v", idx, err)
			}
		}
		if int64(len(seen)) != size {
			t.Errorf("%d events within the checkpoint of size %d", len(seen), size)
		}
		wantStatus(t, e.do(t, "GET", "/$audit-proof?size1=1&size2="+strconv.FormatInt(size, 10), nil), http.StatusOK)

		// Bad input is a 400 with an OperationOutcome.
		for _, q := range []string{
			"/$audit-events?outcome=3", "/$audit-events?action=X", "/$audit-events?date=tomorrow",
			"/$audit-events?_count=0", "/$audit-events?foo=1", "/$audit-events?patient=",
			"/$audit-proof?index=-1", "/$audit-proof?index=99999", "/$audit-proof", "/$audit-proof?size1=5&size2=2",
			"/$audit-proof?index=0&size=99999", "/$audit-proof?bar=1",
		} {
			r := e.do(t, "GET", q, nil)
			wantStatus(t, r, http.StatusBadRequest)
			if str(r.JSON(t), "resourceType") != "OperationOutcome" {
				t.Errorf("%s: no OperationOutcome", q)
			}
		}
	})
}

// TestNoPersonalDataInLogs seeds an ID number, a phone number and a name,
// uses them in writes, reads, searches and bad requests, and checks that
// neither the server's log nor the audit log holds them (QUALITY.md item
// 11).
func TestNoPersonalDataInLogs(t *testing.T) {
	const idNumber, phone, name = "110101199003074514", "13912345678", "欧阳娜娜"
	eachBackend(t, func(t *testing.T, e *env) {
		p := map[string]any{
			"resourceType": "Patient",
			"identifier":   []any{map[string]any{"system": "urn:oid:2.16.156.10011.1.3", "value": idNumber}},
			"name":         []any{map[string]any{"text": name, "family": "欧阳"}},
			"telecom":      []any{map[string]any{"system": "phone", "value": phone}},
		}
		id := e.create(t, p)
		e.read(t, "Patient", id)
		e.search(t, "Patient", "identifier=urn:oid:2.16.156.10011.1.3|"+idNumber)
		e.search(t, "Patient", "telecom="+phone+"&name="+name)
		wantStatus(t, e.do(t, "GET", "/Patient?birthdate="+idNumber, nil), http.StatusBadRequest)
		wantStatus(t, e.do(t, "GET", "/Patient?"+name+"=1", nil), http.StatusBadRequest)
		wantStatus(t, e.do(t, "PUT", "/Patient/"+id, map[string]any{"resourceType": "Patient", "id": id, "birthDate": idNumber}), http.StatusBadRequest)
		r := e.do(t, "POST", "/$audit-checkpoint", nil)
		wantStatus(t, r, http.StatusOK)
		trail := e.do(t, "GET", "/$audit-events?_count=1000", nil)
		wantStatus(t, trail, http.StatusOK)
		if n := len(list(trail.JSON(t), "entry")); n < 7 {
			t.Fatalf("only %d audit entries", n)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, "level=INFO") {
			t.Fatal("the server logged nothing at info level: the test would prove nothing")
		}
		for _, secret := range []string{idNumber, phone, name, "欧阳"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the server log holds %q", secret)
			}
			if strings.Contains(string(trail.Body), secret) {
				t.Errorf("the audit log holds %q", secret)
			}
		}
	}, withInfoLog())
}
