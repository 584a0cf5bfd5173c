// Package e2e holds the browser tests: Debian's chromium, driven by
// playwright-core from npm (browser.mjs), against a real `yitong serve`,
// with a real SMART app built on npm's fhirclient served from another
// origin. scripts/test.sh installs chromium and the npm packages; without
// them the test fails rather than skips.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBrowser(t *testing.T) {
	chromium := os.Getenv("YITONG_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	for _, need := range []string{chromium, "node_modules/playwright-core", "node_modules/fhirclient/build/fhir-client.js"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("the browser tests need %s (scripts/test.sh installs it): %v", need, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "yitong")
	build := exec.Command("go", "build", "-o", bin, "./cmd/yitong")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	yitong := func(args ...string) map[string]string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--data", data)...)
		cmd.Env = childEnv()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("yitong %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		fields := map[string]string{}
		for _, line := range strings.Split(string(out), "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok {
				fields[k] = v
			}
		}
		return fields
	}

	// The SMART app, on its own origin. The EHR-launched app knows its own
	// client id, as real apps do: /ehr-client.js tells it (set once the
	// client is registered, before the browser runs).
	var ehrClientID string
	mux := http.NewServeMux()
	mux.HandleFunc("/ehr-client.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "const EHR_CLIENT_ID = %q;\n", ehrClientID)
	})
	mux.Handle("/", http.FileServer(http.Dir("app")))
	mux.HandleFunc("/fhir-client.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "node_modules/fhirclient/build/fhir-client.js")
	})
	app := httptest.NewServer(mux)
	defer app.Close()

	setup := yitong("admin", "client", "create", "--name", "e2e setup", "--scope", "system/*.cruds", "--secret")
	const appName = "E2E 健康助手"
	smart := yitong("admin", "client", "create", "--name", appName, "--scope", "launch/patient patient/*.rs",
		"--redirect-uri", app.URL+"/index.html")
	// The same kind of app, launched by a clinician (EHR launch).
	const ehrAppName = "E2E 临床助手"
	ehr := yitong("admin", "client", "create", "--name", ehrAppName, "--scope", "launch openid fhirUser patient/*.rs",
		"--redirect-uri", app.URL+"/index.html", "--launch-url", app.URL+"/ehr-launch.html")
	ehrClientID = ehr["client_id"]
	resident := yitong("admin", "account", "create", "--username", "li.hua", "--role", "resident", "--patient", "e2e-p1")
	doctor := yitong("admin", "account", "create", "--username", "dr.wang", "--role", "doctor", "--practitioner", "e2e-pr1", "--org", "e2e-org")
	admin := yitong("admin", "account", "create", "--username", "admin.e2e", "--role", "institution-admin", "--org", "e2e-org")
	regulator := yitong("admin", "account", "create", "--username", "reg.e2e", "--role", "regulator", "--region", "110000")

	base := serve(t, bin, data)
	token := clientToken(t, base, setup["client_id"], setup["client_secret"])
	put(t, base, token, "Organization/e2e-org", `{"resourceType":"Organization","id":"e2e-org","name":"示范医院"}`)
	put(t, base, token, "Patient/e2e-p1", `{"resourceType":"Patient","id":"e2e-p1","name":[{"family":"李","given":["华"]}],"gender":"female","address":[{"use":"home","text":"北京市朝阳区","extension":[{"url":"https://yitong.health/fhir/StructureDefinition/address-division","valueCode":"110105"}]}]}`)
	// The doctor's registration at the institution and an encounter with
	// the patient: the patient is in the doctor's care (EHR launch).
	put(t, base, token, "Practitioner/e2e-pr1", `{"resourceType":"Practitioner","id":"e2e-pr1","name":[{"family":"王"}]}`)
	put(t, base, token, "PractitionerRole/e2e-role1", `{"resourceType":"PractitionerRole","id":"e2e-role1","active":true,"practitioner":{"reference":"Practitioner/e2e-pr1"},"organization":{"reference":"Organization/e2e-org"}}`)
	put(t, base, token, "Encounter/e2e-enc1", `{"resourceType":"Encounter","id":"e2e-enc1","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/e2e-p1"},"participant":[{"individual":{"reference":"Practitioner/e2e-pr1"}}]}`)

	cfg, err := json.Marshal(map[string]any{
		"chromium": chromium, "yitong": base, "app": app.URL,
		"clientId": smart["client_id"], "clientName": appName,
		"ehrClientId": ehr["client_id"], "ehrClientName": ehrAppName, "practitionerId": "e2e-pr1",
		"patientId": "e2e-p1", "patientName": "李华",
		"resident":  map[string]string{"username": "li.hua", "temporary": resident["temporary_password"], "password": "resident-pass-2026"},
		"doctor":    map[string]string{"username": "dr.wang", "temporary": doctor["temporary_password"], "password": "doctor-pass-2026"},
		"admin":     map[string]string{"username": "admin.e2e", "temporary": admin["temporary_password"], "password": "admin-pass-2026"},
		"regulator": map[string]string{"username": "reg.e2e", "temporary": regulator["temporary_password"], "password": "regulator-pass-2026"},
		"orgId":     "e2e-org",
	})
	if err != nil {
		t.Fatal(err)
	}
	node := exec.Command("node", "browser.mjs")
	node.Env = append(os.Environ(), "E2E_CONFIG="+string(cfg))
	out, err := node.CombinedOutput()
	t.Logf("browser.mjs:\n%s", out)
	if err != nil || !bytes.Contains(out, []byte("E2E PASS")) {
		t.Fatalf("the browser tests failed: %v", err)
	}
}

// childEnv is the environment without YITONG_* settings.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "YITONG_") {
			env = append(env, kv)
		}
	}
	return env
}

var addressRE = regexp.MustCompile(`msg="yitong serving".* address=(http://\S+)`)

// serve starts `yitong serve` on a free port and returns its base URL.
func serve(t *testing.T, bin, data string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data)
	cmd.Env = childEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := addressRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case base := <-found:
		return base
	case <-time.After(60 * time.Second):
		t.Fatal("yitong serve did not start within 60 s")
	}
	return ""
}

func clientToken(t *testing.T, base, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

func put(t *testing.T, base, token, path, body string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", base+"/fhir/"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatal(fmt.Sprintf("PUT %s: %d %s", path, resp.StatusCode, b))
	}
}
