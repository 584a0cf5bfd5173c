package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/store/storetest"
)

func TestServerEndpoints(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t, nil)
			srv := httptest.NewServer(newServer(testPlatform(t, st), t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))))
			defer srv.Close()
			get := func(path string, hdr ...string) (int, string, http.Header) {
				t.Helper()
				req, err := http.NewRequest("GET", srv.URL+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				return resp.StatusCode, string(body), resp.Header
			}
			if code, body, _ := get("/healthz"); code != 200 || body != "ok\n" {
				t.Errorf("/healthz = %d %q", code, body)
			}
			if code, body, _ := get("/readyz"); code != 200 || body != "ready\n" {
				t.Errorf("/readyz = %d %q", code, body)
			}
			if code, body, _ := get("/fhir/metadata"); code != 200 || !strings.Contains(body, `"fhirVersion":"4.0.1"`) {
				t.Errorf("/fhir/metadata = %d", code)
			}
			if code, body, _ := get("/metrics"); code != 200 || !strings.Contains(body, "yitong_fhir_requests_total") {
				t.Errorf("/metrics = %d, missing the request counter", code)
			}
			code, body, hdr := get("/")
			if code != 200 || !strings.Contains(body, "医通") || hdr.Get("Content-Language") != "zh-CN" {
				t.Errorf("home (Chinese) = %d, language %q", code, hdr.Get("Content-Language"))
			}
			code, body, hdr = get("/?lang=en")
			if code != 200 || !strings.Contains(body, "Healthcare platform") || hdr.Get("Content-Language") != "en" {
				t.Errorf("home (English) = %d, language %q", code, hdr.Get("Content-Language"))
			}
			if code, _, _ := get("/", "Accept-Language", "en-US,en;q=0.9"); code != 200 {
				t.Errorf("home with Accept-Language = %d", code)
			}
			if code, _, _ := get("/no-such-page"); code != 404 {
				t.Errorf("unknown page = %d, want 404", code)
			}
		})
	}
}

func TestReadyzWhenDatabaseIsGone(t *testing.T) {
	st := storetest.OpenSQLite(t, nil)
	h := newServer(testPlatform(t, st), t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with a closed database = %d, want 503", rec.Code)
	}
}

func TestCommandLine(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "yitong ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errb); err == nil {
		t.Fatal("an unknown command succeeded")
	}
	if err := run(context.Background(), nil, &out, &errb); err == nil {
		t.Fatal("no command succeeded")
	}
	errb.Reset()
	if err := run(context.Background(), []string{"serve", "--listen", "nonsense"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Fatalf("serve --listen nonsense: %v", err)
	}
	if err := run(context.Background(), []string{"serve", "--database", "mysql://x"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("serve --database mysql://: %v", err)
	}
	if err := run(context.Background(), []string{"import"}, &out, &errb); err == nil {
		t.Fatal("import without paths succeeded")
	}
	if err := run(context.Background(), []string{"bench"}, &out, &errb); err == nil {
		t.Fatal("bench without a scenario succeeded")
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	nd := dir + "/p.ndjson"
	if err := writeString(nd, "{\"resourceType\":\"Patient\",\"id\":\"x1\"}\n{\"resourceType\":\"Patient\",\"id\":\"x2\",\"birthDate\":\"not-a-date\"}\n"); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"import", "--data", dir + "/data", nd}, &out, &errb)
	if err == nil {
		t.Fatal("an import with a bad line exited 0")
	}
	if !strings.Contains(out.String(), "resources: 1") || !strings.Contains(out.String(), "p.ndjson:2:") {
		t.Fatalf("summary does not report the import and the bad line with its place:\n%s", out.String())
	}
}
