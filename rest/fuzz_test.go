package rest_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store/storetest"
)

// FuzzCreate posts arbitrary bytes as a Patient through the handler (on one
// SQLite store for the whole run). Any 5xx, panic or hang fails; so does a
// 201 whose resource cannot be read back, or a 4xx without an
// OperationOutcome.
//
//	go test ./rest -run '^$' -fuzz FuzzCreate -fuzztime 60s
func FuzzCreate(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Patient","name":[{"family":"Li","given":["Wei"]}],"gender":"male","birthDate":"1980-02-29"}`,
		`{"resourceType":"Patient","id":"x","meta":{"versionId":"9","tag":[{"code":"t"}]},"active":true}`,
		`{"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.840.1.113883.2.4.6.3","value":"123"}]}`,
		`{"resourceType":"Patient","extension":[{"url":"http://example.org/x","valueDecimal":1e999}]}`,
		`{"resourceType":"Patient","multipleBirthInteger":-0,"_birthDate":{"extension":[{"url":"u","valueString":"x"}]}}`,
		`{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","name":"机构"}],"managingOrganization":{"reference":"#o"}}`,
		`{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">王芳</div>"}}`,
		`{"resourceType":"Patient","name":[{"family":"\u0000\ud800"}]}`,
		`{"resourceType":"Patient","active":true,"active":false}`,
		`{"resourceType":"Observation","status":"final"}`,
		`{"resourceType":"Patient","link":[{"other":{"reference":"Patient?identifier=x|1"},"type":"seealso"}]}`,
		`[{"resourceType":"Patient"}]`,
		`{"resourceType":"Patient",`,
		``,
		`null`,
		nested(70),
	} {
		f.Add([]byte(seed))
	}
	st := storetest.OpenSQLite(f, nil)
	h := newHandler(f, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Fuzz(func(t *testing.T, body []byte) {
		// A request that does not finish is a hang: crash with every
		// goroutine's stack so the input is kept and the cause shown.
		watchdog := time.AfterFunc(10*time.Second, func() {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			panic(fmt.Sprintf("POST %q did not finish within 10 s:\n%s", body, buf[:n]))
		})
		defer watchdog.Stop()
		req := httptest.NewRequest("POST", "http://fuzz.example/fhir/Patient", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/fhir+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("POST %q → %d %s", body, rec.Code, rec.Body)
		case rec.Code == http.StatusCreated:
			loc := rec.Header().Get("Location")
			if !strings.HasPrefix(loc, "http://fuzz.example/fhir/Patient/") {
				t.Fatalf("POST %q → 201 with Location %q", body, loc)
			}
			rrec := httptest.NewRecorder()
			h.ServeHTTP(rrec, httptest.NewRequest("GET", loc, nil))
			if rrec.Code != http.StatusOK {
				t.Fatalf("POST %q → 201, but GET %s → %d %s", body, loc, rrec.Code, rrec.Body)
			}
			if _, err := fhir.Decode(rrec.Body.Bytes(), 0); err != nil {
				t.Fatalf("POST %q → 201, but GET %s returns invalid JSON: %v", body, loc, err)
			}
		case rec.Code >= 400:
			oo, err := fhir.Decode(rec.Body.Bytes(), 0)
			if err != nil || oo["resourceType"] != "OperationOutcome" || str(oo, "issue", 0, "diagnostics") == "" {
				t.Fatalf("POST %q → %d without an OperationOutcome: %s", body, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("POST %q → %d", body, rec.Code)
		}
	})
}
