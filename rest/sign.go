package rest

import (
	"net/http"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/prescribing"
)

// sign serves POST /fhir/MedicationRequest/{id}/$sign: the requesting
// doctor signs their draft prescription with their signing PIN (a
// Parameters body with pin). If-Match names the version the doctor
// reviewed: a prescription changed since is not signed (412). It answers
// the signed MedicationRequest; the signature is in a Provenance written
// in the same transaction (prescribing.Service.Sign).
func (h *Handler) sign(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := h.readResource(r)
	if err != nil {
		return err
	}
	if err := checkType(body, "Parameters", "$sign takes"); err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var pin string
	for _, p := range fhir.Objects(body["parameter"]) {
		if p["name"] == "pin" {
			pin, _ = p["valueString"].(string)
		}
	}
	cur, err := h.cfg.Service.Read(r.Context(), c.typ, c.id)
	if err != nil {
		return err
	}
	if err := h.mustSee(r.Context(), c, cur.Version); err != nil {
		return err
	}
	render := h.okRender(r, c)
	out, err := h.cfg.Prescribing.Sign(answering(r.Context(), c, render), c.access.p, c.id, pin, version)
	if err != nil {
		return prescribing.Outcome(err)
	}
	respond(w, c, out.Request, render)
	return nil
}

// verify serves GET /fhir/MedicationRequest/{id}/$verify: whether the
// prescription's signature holds, as Parameters (valid, signedBy,
// expires, issue; reviewedBy and dispensed once pharmacists review and
// dispense). Audited as a read of what it looked at.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, c *call) error {
	cur, err := h.cfg.Service.Read(r.Context(), c.typ, c.id)
	if err != nil {
		return err
	}
	if err := h.mustSee(r.Context(), c, cur.Version); err != nil {
		return err
	}
	v, err := h.cfg.Prescribing.Verify(r.Context(), c.id)
	if err != nil {
		return err
	}
	c.disclose(v.Disclosed...)
	writeJSON(w, c.fmt, http.StatusOK, verifyParameters(v))
	return nil
}

// verifyParameters renders a verification as $verify's Parameters.
func verifyParameters(v prescribing.Verification) map[string]any {
	params := []any{map[string]any{"name": "valid", "valueBoolean": v.Valid}}
	if v.SignedBy != "" {
		ref := map[string]any{"reference": v.SignedBy}
		if v.SignedByName != "" {
			ref["display"] = v.SignedByName
		}
		params = append(params, map[string]any{"name": "signedBy", "valueReference": ref})
	}
	if !v.Signed.IsZero() {
		params = append(params, map[string]any{"name": "signed", "valueInstant": v.Signed.UTC().Format(time.RFC3339Nano)})
	}
	if !v.Expires.IsZero() {
		params = append(params, map[string]any{"name": "expires", "valueInstant": v.Expires.Format(time.RFC3339)})
	}
	if v.Provenance != "" {
		params = append(params, map[string]any{"name": "provenance", "valueReference": map[string]any{"reference": v.Provenance}})
	}
	if v.Issue != "" {
		params = append(params, map[string]any{"name": "issue", "valueString": v.Issue})
	}
	return map[string]any{"resourceType": "Parameters", "parameter": params}
}
