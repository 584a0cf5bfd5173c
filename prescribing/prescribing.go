// Package prescribing is the doctor's side of e-prescriptions (RULES.md
// B1, B2, B10): a doctor signs their own draft MedicationRequest with
// their personal certificate ($sign), and anyone who may read it checks
// the signature ($verify).
//
// A signed prescription is a MedicationRequest whose status stays draft
// (R4 has no "signed" status, and active would mean actionable, which a
// prescription is only after a pharmacist approves it: B2, B6) and that
// carries the tag SignedTag; its signature is a Provenance whose target
// is that exact version. What is signed is the version's stored JSON, the
// bytes a vread of it returns (see Payload).
package prescribing

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/rules"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/store"
)

// Codes and identifiers of a signed prescription.
const (
	// StateSystem and SignedCode tag a signed MedicationRequest
	// (meta.tag): the state machine's "signed" (B2).
	StateSystem = "https://yitong.health/fhir/CodeSystem/prescription-state"
	SignedCode  = "signed"
	// CertificateExtension carries the signer's certificate (DER,
	// valueBase64Binary) on Provenance.signature.
	CertificateExtension = "https://yitong.health/fhir/StructureDefinition/signature-certificate"
	// SignatureTypeSystem and AuthorSignature are the signature type
	// (ASTM E1762-95 author's signature).
	SignatureTypeSystem = "urn:iso-astm:E1762-95:2013"
	AuthorSignature     = "1.2.840.10065.1.12.1.1"
	// TargetFormat is the format of what is signed: the version's JSON.
	TargetFormat = "application/fhir+json"
)

// Service signs and verifies prescriptions.
type Service struct {
	res  *resources.Service
	sign *signing.Service
	now  func() time.Time
}

// New returns the service. now is the clock of $verify's expiry (time.Now
// when nil).
func New(res *resources.Service, sign *signing.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{res: res, sign: sign, now: now}
}

// Signed is the outcome of a signature: the signed version of the
// MedicationRequest and its Provenance.
type Signed struct {
	Request, Provenance resources.Result
}

// Sign signs MedicationRequest/id for p with the signing PIN pin, in one
// transaction: the request's new version (tagged SignedCode, status still
// draft), its Provenance, the PIN check and the audit entries all commit
// together or not at all. Refusals: p is not a doctor or not the
// request's requester (403); the request is not a draft or already signed
// (409); a PIN refusal of package signing (wrong PIN, locked, no or
// revoked certificate), returned as the signing error after the wrong
// PIN's count has committed (Outcome maps them). When version is not 0 it
// is the version the doctor reviewed: a request changed since is not
// signed (412), so that no one signs what they have not seen. Writes pass
// the context's Guard like any write.
func (s *Service) Sign(ctx context.Context, p *auth.Principal, id, pin string, version int64) (Signed, error) {
	if err := auth.MaySign(p, "Practitioner/"+practitionerOf(p)); err != nil {
		return Signed{}, err
	}
	if pin == "" {
		return Signed{}, fhir.Errorf(fhir.IssueRequired, "$sign needs the parameter pin (the signing PIN)")
	}
	var out Signed
	var refusal error
	err := s.res.InTx(ctx, func(tx *resources.Tx) error {
		out, refusal = Signed{}, nil
		cur, err := tx.Read(ctx, "MedicationRequest", id)
		if err != nil {
			return err
		}
		mr := cur.Resource
		if err := auth.MaySign(p, reference(mr["requester"])); err != nil {
			return err
		}
		if version != 0 && version != cur.Version.VersionID {
			return fhir.Errorf(fhir.IssueConflict, "MedicationRequest/%s changed after version %d was reviewed (it is at version %d): review it again before signing", id, version, cur.Version.VersionID).WithStatus(http.StatusPreconditionFailed)
		}
		if status, _ := mr["status"].(string); status != "draft" {
			return fhir.Errorf(fhir.IssueConflict, "only a draft prescription is signed; MedicationRequest/%s is %q", id, status)
		}
		if IsSigned(mr) {
			return fhir.Errorf(fhir.IssueConflict, "MedicationRequest/%s is already signed", id)
		}
		patients, err := s.res.PatientsOf(cur.Version)
		if err != nil {
			return err
		}
		what := fmt.Sprintf("MedicationRequest/%s/_history/%d", id, cur.Version.VersionID+1)
		sig, err := s.sign.SignTx(ctx, tx.Store(), *p.Account, pin, what, func() ([]byte, error) {
			tag(mr)
			r, err := tx.Update(ctx, "MedicationRequest", id, mr, cur.Version.VersionID)
			if err != nil {
				return nil, err
			}
			out.Request = r
			return r.Version.Body, nil
		})
		if signing.IsRefusal(err) {
			refusal = err // commit the count and the entry, write nothing
			return nil
		} else if err != nil {
			return err
		}
		prov := provenance(p, practitionerName(ctx, tx, p.Account.Practitioner), out.Request.Version, tx.Store().Now(), sig)
		// A Provenance of a MedicationRequest is in no patient's
		// compartment: the guard decides it for the request's patients.
		pctx := ctx
		if g := resources.GuardFrom(ctx); g != nil {
			pctx = resources.WithGuard(ctx, targetGuard{Guard: g, patients: patients})
		}
		if out.Provenance, err = tx.Create(pctx, prov); err != nil {
			return err
		}
		// Signed: an idempotency key of the request is recorded with it.
		return tx.Answer(ctx, out.Request)
	})
	if err != nil {
		return Signed{}, err
	}
	s.sign.Notify()
	if refusal != nil {
		return Signed{}, refusal
	}
	return out, nil
}

func practitionerOf(p *auth.Principal) string {
	if p == nil || p.Account == nil {
		return ""
	}
	return p.Account.Practitioner
}

// targetGuard asks the guard about a Provenance as if it were in the
// compartments of its target's patients.
type targetGuard struct {
	resources.Guard
	patients []string
}

func (g targetGuard) Write(ctx context.Context, typ, id string, before, after []string) error {
	if typ == "Provenance" && before == nil && len(after) == 0 {
		after = g.patients
	}
	return g.Guard.Write(ctx, typ, id, before, after)
}

// IsSigned reports whether a MedicationRequest carries the signed tag.
func IsSigned(mr map[string]any) bool {
	meta, _ := mr["meta"].(map[string]any)
	for _, t := range fhir.Objects(meta["tag"]) {
		if t["system"] == StateSystem && t["code"] == SignedCode {
			return true
		}
	}
	return false
}

func tag(mr map[string]any) {
	meta, _ := mr["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		mr["meta"] = meta
	}
	tags, _ := meta["tag"].([]any)
	meta["tag"] = append(tags, map[string]any{"system": StateSystem, "code": SignedCode, "display": "signed"})
}

// reference returns a Reference's reference ("" when there is none).
func reference(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["reference"].(string)
	return s
}

// provenance builds the Provenance of p's signature of version v at now;
// name is p's Practitioner's name ("" when unknown).
func provenance(p *auth.Principal, name string, v store.Version, now time.Time, sig signing.Signature) map[string]any {
	at := resources.FormatInstant(now)
	who := map[string]any{"reference": "Practitioner/" + p.Account.Practitioner}
	if name != "" {
		who["display"] = name
	}
	agent := map[string]any{
		"type": map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "author", "display": "Author"}}},
		"who": who,
	}
	if org := p.Account.Organization; org != "" && resources.ValidID(org) {
		agent["onBehalfOf"] = map[string]any{"reference": "Organization/" + org}
	}
	return map[string]any{
		"resourceType": "Provenance",
		"target":       []any{map[string]any{"reference": fmt.Sprintf("%s/%s/_history/%d", v.Type, v.ID, v.VersionID)}},
		"recorded":     at,
		"activity": map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/v3-DocumentCompletion", "code": "LA", "display": "legally authenticated"}}},
		"agent": []any{agent},
		"signature": []any{map[string]any{
			"type": []any{map[string]any{"system": SignatureTypeSystem, "code": AuthorSignature, "display": "Author's Signature"}},
			"when": at, "who": who,
			"targetFormat": TargetFormat,
			"sigFormat":    signing.SigFormat(sig.CertDER),
			"data":         base64.StdEncoding.EncodeToString(sig.Value),
			"extension": []any{map[string]any{"url": CertificateExtension,
				"valueBase64Binary": base64.StdEncoding.EncodeToString(sig.CertDER)}},
		}},
	}
}

// practitionerName is the Practitioner's first name as written ("" when
// it cannot be read).
func practitionerName(ctx context.Context, tx *resources.Tx, id string) string {
	r, err := tx.Read(ctx, "Practitioner", id)
	if err != nil {
		return ""
	}
	return Name(r.Resource)
}

// Name is a Patient's or Practitioner's first name: its text, or family
// and given names (without a space when the family name is Chinese).
func Name(res map[string]any) string {
	for _, n := range fhir.Objects(res["name"]) {
		if t, _ := n["text"].(string); t != "" {
			return t
		}
		family, _ := n["family"].(string)
		var given []string
		for _, g := range list(n["given"]) {
			if s, ok := g.(string); ok {
				given = append(given, s)
			}
		}
		if family != "" && isHan(family) {
			return family + strings.Join(given, "")
		}
		return strings.TrimSpace(strings.Join(append(given, family), " "))
	}
	return ""
}

func list(v any) []any { a, _ := v.([]any); return a }

func isHan(s string) bool {
	for _, r := range s {
		return r >= 0x3400 && r <= 0x9fff
	}
	return false
}

// Outcome turns the signing refusals into OperationOutcome errors (other
// errors are returned as they are): a wrong PIN is 422, a lock 423, a
// missing or revoked certificate 422 naming the /signing page.
func Outcome(err error) error {
	switch {
	case errors.Is(err, signing.ErrBadPIN):
		return fhir.Errorf(fhir.IssueSecurity, "the signing PIN is not correct; after %d wrong PINs in a row signing locks for %d minutes", signing.MaxPINFailures, int(signing.PINLock.Minutes())).WithStatus(http.StatusUnprocessableEntity)
	case errors.Is(err, signing.ErrLocked):
		return fhir.Errorf(fhir.IssueSecurity, "signing is locked after %d wrong PINs; try again in %d minutes", signing.MaxPINFailures, int(signing.PINLock.Minutes())).WithStatus(http.StatusLocked)
	case errors.Is(err, signing.ErrNoCert):
		return fhir.Errorf(fhir.IssueProcessing, "you have no signing certificate: get one on the /signing page").WithStatus(http.StatusUnprocessableEntity)
	case errors.Is(err, signing.ErrRevoked):
		return fhir.Errorf(fhir.IssueProcessing, "your signing certificate is revoked: get a new one on the /signing page").WithStatus(http.StatusUnprocessableEntity)
	}
	return err
}

// Verification is what $verify reports about a MedicationRequest.
type Verification struct {
	// Valid: the request is signed, the signature verifies (chain,
	// revocation, validity at the signing time), its signer is the
	// requester, the request has not changed since, and it has not
	// expired (B10).
	Valid bool
	// SignedBy is the signer (a Practitioner reference) and
	// SignedByName their name; empty when unsigned.
	SignedBy, SignedByName string
	// Signed is the signing time; Expires the end of the prescription's
	// validity (zero when unsigned).
	Signed, Expires time.Time
	// Provenance is the signature's Provenance (versioned reference).
	Provenance string
	// Issue says what fails ("" when Valid), and Code which check failed
	// (one of the Issue* codes, for pages that say it in their language).
	Issue, Code string
	// Disclosed are the versions the verification read (the current
	// request, the signed version, the Provenance), for the audit entry.
	Disclosed []store.Version
}

// Codes of what fails in a verification.
const (
	IssueUnsigned   = "unsigned"
	IssueUnreadable = "unreadable"
	IssueRevoked    = "revoked"
	IssueInvalid    = "invalid"
	IssueSigner     = "signer"
	IssueChanged    = "changed"
	IssueExpired    = "expired"
)

// fail records what fails.
func (v *Verification) fail(code, issue string) { v.Code, v.Issue = code, issue }

// Verify checks the signature of MedicationRequest/id: the Provenance of
// its latest signed version, the signature over that version's stored
// JSON (signing.Service.Verify), the signer, that the request has not
// changed since, and its validity (rule B10). A request that does not
// exist or was deleted is an error (404, 410); every other failure is a
// Verification with Valid unset and Issue saying why.
func (s *Service) Verify(ctx context.Context, id string) (Verification, error) {
	var out Verification
	cur, err := s.res.Read(ctx, "MedicationRequest", id)
	if err != nil {
		return out, err
	}
	out.Disclosed = append(out.Disclosed, cur.Version)
	prov, vid, err := s.latestSignature(ctx, id)
	if err != nil {
		return out, err
	}
	if prov == nil {
		out.fail(IssueUnsigned, "the prescription is not signed")
		return out, nil
	}
	out.Disclosed = append(out.Disclosed, prov.Version)
	out.Provenance = fmt.Sprintf("Provenance/%s/_history/%d", prov.Version.ID, prov.Version.VersionID)
	sigEl := signatureOf(prov.Resource)
	who, _ := sigEl["who"].(map[string]any)
	out.SignedBy, _ = who["reference"].(string)
	out.SignedByName, _ = who["display"].(string)
	when, _ := sigEl["when"].(string)
	if out.Signed, err = time.Parse(time.RFC3339Nano, when); err != nil {
		out.fail(IssueUnreadable, "the signature has no valid time")
		return out, nil
	}
	signed, err := s.res.VRead(ctx, "MedicationRequest", id, strconv.FormatInt(vid, 10))
	if err != nil {
		out.fail(IssueUnreadable, fmt.Sprintf("the signed version %d cannot be read", vid))
		return out, nil
	}
	out.Disclosed = append(out.Disclosed, signed.Version)
	if r, ok := rules.PrescriptionValidityAt(out.Signed); ok {
		out.Expires = r.Expires(out.Signed, extendedTo(signed.Resource))
	}
	data, err1 := base64.StdEncoding.DecodeString(str(sigEl, "data"))
	var certDER []byte
	var err2 error
	for _, ext := range fhir.Objects(sigEl["extension"]) {
		if ext["url"] == CertificateExtension {
			certDER, err2 = base64.StdEncoding.DecodeString(str(ext, "valueBase64Binary"))
		}
	}
	if err1 != nil || err2 != nil || len(data) == 0 || len(certDER) == 0 {
		out.fail(IssueUnreadable, "the Provenance carries no readable signature or certificate")
		return out, nil
	}
	cert, err := s.sign.Verify(ctx, Payload(signed.Version), signing.Signature{Value: data, CertDER: certDER}, out.Signed)
	switch {
	case errors.Is(err, signing.ErrRevoked):
		out.fail(IssueRevoked, "the signer's certificate is revoked")
		return out, nil
	case errors.Is(err, signing.ErrInvalid):
		issue := "the signature does not verify"
		if why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), signing.ErrInvalid.Error()), ": "); why != "" {
			issue += ": " + why
		}
		out.fail(IssueInvalid, issue)
		return out, nil
	case err != nil:
		return out, err
	}
	requester := reference(signed.Resource["requester"])
	if cert.Subject.SerialNumber != requester || out.SignedBy != requester {
		out.fail(IssueSigner, "the signer is not the prescription's requester")
		return out, nil
	}
	if cur.Version.VersionID != vid {
		out.fail(IssueChanged, fmt.Sprintf("the prescription changed after it was signed: version %d was signed, the current version is %d", vid, cur.Version.VersionID))
		return out, nil
	}
	if !out.Expires.IsZero() && !s.now().Before(out.Expires) {
		out.fail(IssueExpired, "the prescription expired at "+out.Expires.In(shanghai).Format(time.RFC3339)+" (RULES.md B10)")
		return out, nil
	}
	out.Valid = true
	return out, nil
}

// Payload is what a signature of version v signs: its stored JSON, the
// exact bytes a vread of it returns (without _pretty).
func Payload(v store.Version) []byte { return v.Body }

// latestSignature returns the author-signature Provenance of the latest
// signed version of MedicationRequest/id and that version, or nil.
func (s *Service) latestSignature(ctx context.Context, id string) (*resources.Result, int64, error) {
	res, err := s.res.Search(ctx, "Provenance", url.Values{"target": {"MedicationRequest/" + id}, "_count": {"100"}, "_sort": {"-_lastUpdated"}}, resources.SearchOptions{})
	if err != nil {
		return nil, 0, err
	}
	var best *resources.Result
	var bestVid int64
	prefix := "MedicationRequest/" + id + "/_history/"
	for _, v := range res.Page.Matches {
		m, err := fhir.Decode(v.Body, 0)
		if err != nil {
			return nil, 0, err
		}
		if !isAuthorSignature(signatureOf(m)) {
			continue
		}
		for _, t := range fhir.Objects(m["target"]) {
			ref, _ := t["reference"].(string)
			n, err := strconv.ParseInt(strings.TrimPrefix(ref, prefix), 10, 64)
			if !strings.HasPrefix(ref, prefix) || err != nil {
				continue
			}
			if best == nil || n > bestVid {
				best, bestVid = &resources.Result{Version: v, Resource: m}, n
			}
		}
	}
	return best, bestVid, nil
}

// signatureOf returns a Provenance's first signature.
func signatureOf(prov map[string]any) map[string]any {
	for _, s := range fhir.Objects(prov["signature"]) {
		return s
	}
	return nil
}

func isAuthorSignature(sig map[string]any) bool {
	for _, t := range fhir.Objects(sig["type"]) {
		if t["system"] == SignatureTypeSystem && t["code"] == AuthorSignature {
			return true
		}
	}
	return false
}

// extendedTo is the end of the validity the doctor noted on the request
// (dispenseRequest.validityPeriod.end), or zero.
func extendedTo(mr map[string]any) time.Time {
	dr, _ := mr["dispenseRequest"].(map[string]any)
	vp, _ := dr["validityPeriod"].(map[string]any)
	end, _ := vp["end"].(string)
	if end == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, end, shanghai); err == nil {
			return t
		}
	}
	return time.Time{}
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()
