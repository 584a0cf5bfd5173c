package rest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store/storetest"
)

// The authorization matrix (QUALITY.md item 2): every role × every
// interaction × the caller's own patient and another patient, through the
// real token check and policy decision. Each cell says what must happen:
//
//	A allowed (any answer but 401/403; a read or search shows the data)
//	D denied, 403 with an OperationOutcome
//	U unauthenticated, 401
//	H hidden: the search answers 200 without the other patient's data
//
// A route whose interaction has no row fails the test: new endpoints are
// denied until someone decides who may use them.
var authzMatrix = map[string]string{
	// interaction:        anonymous resident doctor nurse pharmacist inst-admin regulator sys-admin sec-admin audit-admin system-client
	//                     each cell is two letters: own patient, other patient
	"read":                row("UU AD AD AD AD DD AD DD DD DD AA"),
	"vread":               row("UU AD AD AD AD DD AD DD DD DD AA"),
	"history-instance":    row("UU AD AD AD AD DD AD DD DD DD AA"),
	"search-type":         row("UU AH AH AH AH DD AH DD DD DD AA"),
	"create":              row("UU DD AD AD DD DD DD DD DD DD DD"),
	"update":              row("UU DD AD AD DD DD DD DD DD DD DD"),
	"patch":               row("UU DD AD AD DD DD DD DD DD DD DD"),
	"delete":              row("UU DD AD DD DD DD DD DD DD DD DD"),
	"conditional-update":  row("UU DD AD AD DD DD DD DD DD DD DD"),
	"conditional-patch":   row("UU DD AD AD DD DD DD DD DD DD DD"),
	"conditional-delete":  row("UU DD AD DD DD DD DD DD DD DD DD"),
	"history-type":        row("UU AH AH AH AH DD AH DD DD DD AA"),
	"$everything":         row("UU AD AD AD AD DD AD DD DD DD AA"),
	"search-system":       row("UU DD DD DD DD DD AH DD DD DD AA"),
	"history-system":      row("UU DD DD DD DD DD AH DD DD DD AA"),
	"transaction":         row("UU AD AD AD AD DD AD DD DD DD AA"),
	"capabilities":        row("AA AA AA AA AA AA AA AA AA AA AA"),
	"$reindex":            row("UU DD DD DD DD DD DD AA DD DD DD"),
	"$reindex-status":     row("UU DD DD DD DD DD DD AA DD DD DD"),
	"$export":             row("UU DD DD DD DD DD AA DD DD DD AA"),
	"$export-poll-status": row("UU DD DD DD DD DD AA DD DD DD AA"),
	"$export-file":        row("UU DD DD DD DD DD AA DD DD DD AA"),
	"$audit-events":       row("UU DD DD DD DD DD AA DD DD AA AA"),
	"$audit-checkpoint":   row("UU DD DD DD DD DD AA DD DD AA AA"),
	"$audit-proof":        row("UU DD DD DD DD DD AA DD DD AA AA"),
	// Only the requesting doctor signs (RULES.md B1); the matrix's doctor
	// has no certificate, so an allowed $sign is a 422 saying so.
	"$sign":   row("UU DD AD DD DD DD DD DD DD DD DD"),
	"$verify": row("UU AD AD AD AD DD AD DD DD DD AA"),
	// The supervision platform reads the audit log as a system client
	// (system/*.rs covers AuditEvent).
	// Not interactions of their own, but rules of the table: directory
	// data, consent writes, break-the-glass.
	"read Organization":         row("UU AA AA AA AA AA AA AA DD DD AA"),
	"create Organization":       row("UU DD DD DD DD AA DD AA DD DD DD"),
	"create Consent":            row("UU AD AD AD DD DD DD DD DD DD DD"),
	"read with break-the-glass": row("UU AD AA AA AD DD AD DD DD DD AA"),
}

var matrixRoles = []string{"anonymous", "resident", "doctor", "nurse", "pharmacist", "institution-admin",
	"regulator", "system-admin", "security-admin", "audit-admin", "system-client"}

func row(s string) string { return strings.ReplaceAll(s, " ", "") }

// matrixCase builds the request of one cell for the target patient.
type matrixCase func(w *world, target string) (method, path string, body any, header []string)

// world is the data the matrix runs on: two patients, each with an
// observation; the doctor, nurse and pharmacist are in care of "own"
// through an encounter; "own" lives in the regulator's region (Beijing),
// "other" outside it (Shanghai).
type world struct {
	patient, obs, spare map[string]string // by "own"/"other"
	rx                  map[string]string // a draft MedicationRequest by the practitioner
	ident               map[string]string // observation identifiers
}

var matrixCases = map[string]matrixCase{
	"read": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Observation/" + w.obs[p], nil, nil
	},
	"vread": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Observation/" + w.obs[p] + "/_history/1", nil, nil
	},
	"history-instance": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Observation/" + w.obs[p] + "/_history", nil, nil
	},
	"search-type": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Observation?subject=Patient/" + w.patient[p], nil, nil
	},
	"create": func(w *world, p string) (string, string, any, []string) {
		return "POST", "/Observation", observation("Patient/" + w.patient[p]), nil
	},
	"update": func(w *world, p string) (string, string, any, []string) {
		return "PUT", "/Observation/" + w.obs[p], withID(observation("Patient/"+w.patient[p]), w.obs[p]), nil
	},
	"patch": func(w *world, p string) (string, string, any, []string) {
		return "PATCH", "/Observation/" + w.obs[p], []any{map[string]any{"op": "replace", "path": "/status", "value": "amended"}}, []string{"Content-Type", "application/json-patch+json"}
	},
	"delete": func(w *world, p string) (string, string, any, []string) {
		return "DELETE", "/Observation/" + w.spare[p], nil, nil
	},
	"conditional-update": func(w *world, p string) (string, string, any, []string) {
		o := observation("Patient/" + w.patient[p])
		o["identifier"] = []any{map[string]any{"system": "urn:matrix", "value": w.ident[p]}}
		return "PUT", "/Observation?identifier=urn:matrix|" + w.ident[p], o, nil
	},
	"conditional-patch": func(w *world, p string) (string, string, any, []string) {
		return "PATCH", "/Observation?identifier=urn:matrix|" + w.ident[p], []any{map[string]any{"op": "replace", "path": "/status", "value": "amended"}}, []string{"Content-Type", "application/json-patch+json"}
	},
	"conditional-delete": func(w *world, p string) (string, string, any, []string) {
		return "DELETE", "/Observation?identifier=urn:spare|" + w.ident[p], nil, nil
	},
	"history-type": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Observation/_history", nil, nil
	},
	"$everything": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Patient/" + w.patient[p] + "/$everything", nil, nil
	},
	"search-system":  func(w *world, p string) (string, string, any, []string) { return "GET", "?_id=" + w.obs[p], nil, nil },
	"history-system": func(w *world, p string) (string, string, any, []string) { return "GET", "/_history", nil, nil },
	"transaction": func(w *world, p string) (string, string, any, []string) {
		return "POST", "", bundle("batch", entry("", "GET", "Observation/"+w.obs[p], nil)), nil
	},
	"capabilities":    func(w *world, p string) (string, string, any, []string) { return "GET", "/metadata", nil, nil },
	"$reindex":        func(w *world, p string) (string, string, any, []string) { return "POST", "/$reindex", nil, nil },
	"$reindex-status": func(w *world, p string) (string, string, any, []string) { return "GET", "/$reindex", nil, nil },
	"$export": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/$export", nil, []string{"Prefer", "respond-async"}
	},
	"$export-poll-status": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/$export-poll-status?_jobId=none", nil, nil
	},
	"$export-file": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/$export-file?_jobId=none&_file=x", nil, []string{"Accept", "application/fhir+ndjson"}
	},
	"$audit-events": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/$audit-events?patient=" + w.patient[p], nil, nil
	},
	"$audit-checkpoint": func(w *world, p string) (string, string, any, []string) { return "GET", "/$audit-checkpoint", nil, nil },
	"$audit-proof": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/$audit-proof?index=0", nil, nil
	},
	"$sign": func(w *world, p string) (string, string, any, []string) {
		return "POST", "/MedicationRequest/" + w.rx[p] + "/$sign", pinParameters("123456"), nil
	},
	"$verify": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/MedicationRequest/" + w.rx[p] + "/$verify", nil, nil
	},
	"read Organization": func(w *world, p string) (string, string, any, []string) { return "GET", "/Organization/org1", nil, nil },
	"create Organization": func(w *world, p string) (string, string, any, []string) {
		return "POST", "/Organization", map[string]any{"resourceType": "Organization", "name": "新机构"}, nil
	},
	"create Consent": func(w *world, p string) (string, string, any, []string) {
		return "POST", "/Consent", consent(w.patient[p]), nil
	},
	"read with break-the-glass": func(w *world, p string) (string, string, any, []string) {
		return "GET", "/Observation/" + w.obs[p], nil, []string{"X-Break-Glass-Reason", "抢救：患者昏迷"}
	},
}

func consent(patient string) map[string]any {
	return map[string]any{
		"resourceType": "Consent", "status": "active",
		"scope":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}}},
		"category": []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "59284-0"}}}},
		"patient":  map[string]any{"reference": "Patient/" + patient},
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var id *identity.Service
			e := newEnv(t, b, withGate(&id))
			testMatrix(t, e, id)
		})
	}
}

func testMatrix(t *testing.T, e *env, id *identity.Service) {
	ctx := context.Background()
	// Every route's interaction has a row, and every row a case.
	var routes []string
	for _, in := range newHandler(t, e.st, nil).Interactions() {
		routes = append(routes, in)
		if _, ok := authzMatrix[in]; !ok {
			t.Errorf("interaction %q has no row in the authorization matrix", in)
		}
	}
	for in, r := range authzMatrix {
		if matrixCases[in] == nil || len(r) != 2*len(matrixRoles) {
			t.Fatalf("row %q: no case, or %d cells for %d roles", in, len(r)/2, len(matrixRoles))
		}
		if !strings.Contains(in, " ") && !slices.Contains(routes, in) {
			t.Errorf("row %q names no route", in)
		}
	}
	w, admin, pr := setupWorld(t, e, id)
	as := bearer
	mk := func(res map[string]any) string {
		t.Helper()
		return e.create(t, res, as(admin)...)
	}
	tokens := map[string]string{"anonymous": "", "system-client": systemToken(t, id, "system/*.rs")}
	app, _, err := id.CreateClient(ctx, identity.Client{Name: "matrix", Scope: "user/*.cruds", RedirectURIs: []string{"https://app.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range matrixRoles {
		if _, ok := tokens[role]; ok {
			continue
		}
		a := identity.Account{Username: "m-" + role, Role: identity.Role(role), Organization: "org1"}
		switch a.Role {
		case identity.RoleResident:
			a.Patient = w.patient["own"]
		case identity.RoleDoctor, identity.RoleNurse, identity.RolePharmacist:
			a.Practitioner = pr
		case identity.RoleRegulator:
			a.Region = "110000"
		}
		tokens[role] = userToken(t, id, app, a)
	}
	names := make([]string, 0, len(authzMatrix))
	for in := range authzMatrix {
		names = append(names, in)
	}
	slices.Sort(names)
	for _, in := range names {
		for ri, role := range matrixRoles {
			for pi, target := range []string{"own", "other"} {
				want := authzMatrix[in][2*ri+pi]
				// Deletions get a fresh resource each time.
				spare := observation("Patient/" + w.patient[target])
				spare["identifier"] = []any{map[string]any{"system": "urn:spare", "value": w.ident[target]}}
				w.spare[target] = mk(spare)
				method, path, body, header := matrixCases[in](w, target)
				if tokens[role] != "" {
					header = append(header, as(tokens[role])...)
				}
				r := e.do(t, method, path, body, header...)
				checkCell(t, in, role, target, want, r, w)
				// Leave no spare behind for the next conditional delete.
				e.do(t, "DELETE", "/Observation?identifier=urn:spare|"+w.ident[target], nil, as(admin)...)
			}
		}
	}
}

func checkCell(t *testing.T, in, role, target string, want byte, r response, w *world) {
	t.Helper()
	cell := in + " by " + role + " on " + target + " patient"
	switch want {
	case 'U':
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: want 401 with WWW-Authenticate, got %s", cell, r)
		}
	case 'D':
		denied := r.Status == http.StatusForbidden
		if in == "transaction" && r.Status == http.StatusOK {
			denied = strings.Contains(string(r.Body), `"status":"403`)
		}
		if !denied || !strings.Contains(string(r.Body), "OperationOutcome") {
			t.Errorf("%s: want 403, got %s", cell, r)
		}
		if strings.Contains(string(r.Body), w.obs[target]) && in != "transaction" {
			t.Errorf("%s: the refusal names the resource: %s", cell, r)
		}
	case 'H':
		// (The query itself may name the resource, in the self link.)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), `"id":"`+w.obs[target]+`"`) {
			t.Errorf("%s: want 200 without the other patient's data, got %s", cell, r)
		}
	case 'A':
		if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden || r.Status >= 500 ||
			(in == "transaction" && strings.Contains(string(r.Body), `"status":"403`)) {
			t.Errorf("%s: want allowed, got %s", cell, r)
		}
		if (in == "search-type" || in == "read") && r.Status == http.StatusOK && !strings.Contains(string(r.Body), w.obs[target]) {
			t.Errorf("%s: allowed but the data is missing: %s", cell, r)
		}
	}
}

// systemToken registers a system client with scope and returns a token.
func systemToken(t testing.TB, id *identity.Service, scope string) string {
	t.Helper()
	c, _, err := id.CreateClient(context.Background(), identity.Client{Name: "system " + scope, Scope: scope}, true)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := id.ClientCredentials(context.Background(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	return tok.Access
}

// livingIn gives patient p a home address in a GB/T 2260 division.
func livingIn(p map[string]any, division string) map[string]any {
	p["address"] = []any{map[string]any{"use": "home", "text": "示范地址",
		"extension": []any{map[string]any{"url": auth.DivisionExtension,
			"valueCoding": map[string]any{"system": auth.DivisionSystem, "code": division}}}}}
	return p
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// setupWorld loads the matrix's data with a system token: an
// organization, a practitioner in care of the "own" patient through an
// encounter, and an observation of each patient.
func setupWorld(t *testing.T, e *env, id *identity.Service) (w *world, admin, pr string) {
	admin = systemToken(t, id, "system/*.cruds")
	mk := func(res map[string]any) string {
		t.Helper()
		return e.create(t, res, bearer(admin)...)
	}
	if r := e.do(t, "PUT", "/Organization/org1", map[string]any{"resourceType": "Organization", "id": "org1", "name": "示范医院"}, bearer(admin)...); r.Status >= 300 {
		t.Fatal(r)
	}
	pr = mk(map[string]any{"resourceType": "Practitioner", "name": []any{map[string]any{"family": "张"}}})
	// The practitioner's active registration at the institution.
	mk(map[string]any{"resourceType": "PractitionerRole", "active": true,
		"practitioner": map[string]any{"reference": "Practitioner/" + pr},
		"organization": map[string]any{"reference": "Organization/org1"}})
	w = &world{patient: map[string]string{}, obs: map[string]string{}, spare: map[string]string{}, ident: map[string]string{}, rx: map[string]string{}}
	division := map[string]string{"own": "110105", "other": "310115"}
	for _, who := range []string{"own", "other"} {
		w.patient[who] = mk(livingIn(patient("urn:matrix", who), division[who]))
		w.ident[who] = "obs-" + who
		o := observation("Patient/" + w.patient[who])
		o["identifier"] = []any{map[string]any{"system": "urn:matrix", "value": w.ident[who]}}
		w.obs[who] = mk(o)
		w.rx[who] = mk(draftRx(w.patient[who], pr))
		mk(map[string]any{"resourceType": "Encounter", "status": "finished",
			"class":   map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
			"subject": map[string]any{"reference": "Patient/" + w.patient[who]}})
	}
	mk(map[string]any{"resourceType": "Encounter", "status": "in-progress",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/" + w.patient["own"]},
		"participant": []any{map[string]any{"individual": map[string]any{"reference": "Practitioner/" + pr}}},
		"period":      map[string]any{"start": "2026-11-20T08:00:00+08:00"}})
	return w, admin, pr
}

// userToken creates the account and returns an access token of it
// through the authorization code flow (scope user/*.cruds).
func userToken(t *testing.T, id *identity.Service, app identity.Client, a identity.Account) string {
	t.Helper()
	_, tok := accountToken(t, id, app, a)
	return tok
}

// accountToken is userToken that also returns the account created.
func accountToken(t *testing.T, id *identity.Service, app identity.Client, a identity.Account) (identity.Account, string) {
	t.Helper()
	ctx := context.Background()
	acct, err := id.CreateAccount(ctx, a, "matrix-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	verifier := strings.Repeat("m", 43)
	sum := sha256.Sum256([]byte(verifier))
	code, err := id.IssueCode(ctx, acct, app, "https://app.example/cb", "user/*.cruds", base64.RawURLEncoding.EncodeToString(sum[:]), "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := id.ExchangeCode(ctx, code, app, "https://app.example/cb", verifier)
	if err != nil {
		t.Fatal(err)
	}
	return acct, tok.Access
}

// TestSearchOracles checks that searches of a resident cannot reveal other
// patients' data through the features that test or follow data beyond
// the matches (QUALITY.md item 2): _has and chains are refused; counts,
// :missing, _include and _revinclude (also :iterate) see only the
// resident's own data.
func TestSearchOracles(t *testing.T) {
	b := storetest.Backends(t)[0]
	var id *identity.Service
	e := newEnv(t, b, withGate(&id))
	w, _, _ := setupWorld(t, e, id)
	app, _, err := id.CreateClient(context.Background(), identity.Client{Name: "oracle", Scope: "user/*.cruds", RedirectURIs: []string{"https://app.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	tok := userToken(t, id, app, identity.Account{Username: "oracle-resident", Role: identity.RoleResident, Patient: w.patient["own"]})
	get := func(q string) response { return e.do(t, "GET", q, nil, bearer(tok)...) }
	for _, q := range []string{
		"/Patient?_has:Observation:subject:code=8867-4",
		"/Observation?subject.identifier=urn:matrix|other",
		"/Observation?subject:Patient.identifier=urn:matrix|other",
		"/Encounter?patient.name=Wang",
	} {
		if r := get(q); r.Status != http.StatusForbidden {
			t.Errorf("%s: want 403, got %s", q, r)
		}
	}
	if m := get("/Observation/_history").JSON(t); m["total"] != nil {
		t.Errorf("type history tells a resident how many versions exist: total %v", m["total"])
	}
	for _, q := range []string{
		"/Observation?_summary=count",
		"/Observation?code:missing=false&_total=accurate",
		"/Patient?_total=accurate",
		"/Encounter?_include=Encounter:subject&_revinclude:iterate=Observation:subject&_total=accurate",
		"/Patient?_revinclude=Observation:subject&_revinclude=Encounter:subject",
	} {
		r := get(q)
		if r.Status != http.StatusOK {
			t.Errorf("%s: %s", q, r)
			continue
		}
		body := string(r.Body)
		for _, leak := range []string{w.patient["other"], w.obs["other"]} {
			if strings.Contains(body, leak) {
				t.Errorf("%s reveals the other patient's data: %s", q, r)
			}
		}
		if m := r.JSON(t); m["total"] != nil && m["total"].(json.Number).String() == "0" {
			t.Errorf("%s: the resident's own data is missing: %s", q, r)
		}
	}
}
