package audit

import (
	"bytes"
	"slices"

	"github.com/yitong-health/yitong/store"
)

// Disclose adds versions an act disclosed (read, searched, exported) to the
// entry. Their resources and patients are worked out when the entry is
// written, off the request's path.
func (e *Entry) Disclose(vs ...store.Version) {
	e.disclosed = append(e.disclosed, vs...)
}

// resolveDisclosed lists the disclosed resources and their patients: a
// Patient itself, and every patient a disclosed resource refers to. That
// is a superset of the Patient compartment (a reference outside the
// compartment's parameters counts too): for "who viewed my records",
// reporting an access too many is safer than one too few.
func (e *Entry) resolveDisclosed() {
	if len(e.disclosed) == 0 {
		return
	}
	pats := e.Patients
	seen := make(map[string]bool, len(e.disclosed))
	for _, v := range e.disclosed {
		if ref := v.Type + "/" + v.ID; !seen[ref] {
			seen[ref] = true
			e.Resources = append(e.Resources, ref)
		}
		if v.Type == "Patient" {
			pats = append(pats, v.ID)
		}
		pats = appendPatientRefs(pats, v.Body)
	}
	slices.Sort(pats)
	e.Patients = slices.Compact(pats)
	e.disclosed = nil
}

var patientRef = []byte(`"reference":"Patient/`)

// appendPatientRefs appends the ids of the local Patient references in a
// compact JSON resource body.
func appendPatientRefs(out []string, body []byte) []string {
	for {
		i := bytes.Index(body, patientRef)
		if i < 0 {
			return out
		}
		body = body[i+len(patientRef):]
		end := 0
		for end < len(body) && isIDByte(body[end]) {
			end++
		}
		if end > 0 && end <= 64 && end < len(body) && (body[end] == '"' || body[end] == '/') {
			out = append(out, string(body[:end]))
		}
		body = body[end:]
	}
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}
