package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/store"
)

// FormatVersion is the version of the entry format written in Entry.V.
const FormatVersion = 1

// Outcomes of an act.
const (
	OutcomeSuccess = "success" // done as asked
	OutcomeDenied  = "denied"  // refused by the policy decision
	OutcomeFailed  = "failed"  // refused because the request was wrong (4xx)
	OutcomeError   = "error"   // failed on the server's side (5xx)
)

// Agent is who acted. Kind is user, client or system; ID the user's or
// client's identifier. Role and Org narrow the user's capacity (a
// PractitionerRole's code and its Organization). Entries carry
// identifiers, never names or ID numbers.
type Agent struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Role   string `json:"role,omitempty"`
	Org    string `json:"org,omitempty"`
	Client string `json:"client,omitempty"`
}

// SystemAgent is the agent of acts the platform does by itself or on an
// operator's command line (imports, reindexing) until accounts exist.
var SystemAgent = Agent{Kind: "system", ID: "yitong"}

// Entry is one audited act. Its JSON encoding (Marshal) is the leaf data of
// the tree: the fields' order is fixed by the struct, so the same entry
// always encodes to the same bytes.
type Entry struct {
	V         int       `json:"v"`
	Time      time.Time `json:"time"`
	RequestID string    `json:"request,omitempty"`
	// Action is the FHIR interaction (read, search-type, create, …), the
	// operation ($export, $everything, …) or the platform act (login, …).
	Action string `json:"action"`
	// Type is the resource type acted on, if any.
	Type    string `json:"type,omitempty"`
	Outcome string `json:"outcome"`
	// Status is the HTTP status answered, for acts over HTTP.
	Status int   `json:"status,omitempty"`
	Agent  Agent `json:"agent"`
	// OnBehalfOf is the reference of the person the agent acted for (a
	// guardian's child, a patient an app acts for).
	OnBehalfOf string `json:"onBehalfOf,omitempty"`
	// Purpose is the purpose of use (HL7 v3 PurposeOfUse code).
	Purpose    string `json:"purpose,omitempty"`
	BreakGlass bool   `json:"breakGlass,omitempty"`
	// Reason is the reason given for break-the-glass access.
	Reason string `json:"reason,omitempty"`
	// Source is the network address the request came from.
	Source string `json:"source,omitempty"`
	// Patients are the ids of the patients whose data the act touched.
	Patients []string `json:"patients,omitempty"`
	// Resources are the resources the act touched: Type/id/_history/n for
	// versions written, Type/id for resources read. At most MaxResources
	// are listed; More counts the others.
	Resources []string `json:"resources,omitempty"`
	More      int      `json:"more,omitempty"`
	// Detail says why a refusal or failure happened, or what was asked
	// (a search's query string).
	Detail string `json:"detail,omitempty"`

	// disclosed are versions the act disclosed (see Disclose).
	disclosed []store.Version
}

// MaxResources bounds Entry.Resources.
const MaxResources = 1000

// MaxDetail bounds Entry.Detail in bytes.
const MaxDetail = 2000

// Marshal returns the entry's canonical bytes.
func (e *Entry) Marshal() []byte {
	return appendEntry(make([]byte, 0, 384+len(e.Detail)), e)
}

// ParseEntry decodes an entry's canonical bytes.
func ParseEntry(b []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, fmt.Errorf("audit: entry: %w", err)
	}
	if dec.More() {
		return e, fmt.Errorf("audit: entry: data after the entry")
	}
	if e.Time.IsZero() {
		return e, fmt.Errorf("audit: entry: no time")
	}
	return e, nil
}

// ParseEntries parses the bodies of stored records (ParseEntry), in order.
func ParseEntries(recs []store.AuditRecord) ([]Entry, error) {
	out := make([]Entry, 0, len(recs))
	for _, r := range recs {
		e, err := ParseEntry(r.Body)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// normalize sets the entry's version and time (UTC, microseconds) and
// bounds its detail.
func (e *Entry) normalize() {
	e.V = FormatVersion
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if len(e.Detail) > MaxDetail {
		d := []rune(e.Detail[:MaxDetail])
		e.Detail = string(d[:len(d)-1]) + "…"
	}
}

// TermFlag is the term kind of entries that stand out; FlagBreakGlass
// marks break-the-glass acts, which regulators review.
const (
	TermFlag       = "flag"
	FlagBreakGlass = "break-glass"
)

// terms returns what the entry can be found by.
func (e *Entry) terms() []store.AuditTerm {
	var ts []store.AuditTerm
	if e.Agent.ID != "" {
		ts = append(ts, store.AuditTerm{Kind: "agent", Value: e.Agent.Kind + "/" + e.Agent.ID})
	}
	if e.Agent.Org != "" {
		ts = append(ts, store.AuditTerm{Kind: "org", Value: e.Agent.Org})
	}
	if e.RequestID != "" {
		ts = append(ts, store.AuditTerm{Kind: "request", Value: e.RequestID})
	}
	for _, p := range e.Patients {
		ts = append(ts, store.AuditTerm{Kind: "patient", Value: p})
	}
	if e.BreakGlass {
		ts = append(ts, store.AuditTerm{Kind: TermFlag, Value: FlagBreakGlass})
	}
	return ts
}

// recordAll turns the entry into what the store keeps, listing every
// resource (the entries of writes: each written version must be traceable).
func (e *Entry) recordAll(h *Hasher) store.AuditRecord {
	e.normalize()
	return e.record(h, e.Marshal())
}

// record is what the store keeps of the entry whose canonical bytes are
// body, waiting for the sequencer (Index -1).
func (e *Entry) record(h *Hasher, body []byte) store.AuditRecord {
	return store.AuditRecord{Index: -1, Recorded: e.Time, LeafHash: h.HashLeaf(body), Body: body, Terms: e.terms(),
		Action: e.Action, Act: ActCode(e.Action), Outcome: e.Outcome}
}

// recordBounded is recordAll with at most MaxResources resources listed
// (the entries of reads and searches).
func (e *Entry) recordBounded(h *Hasher) store.AuditRecord {
	e.resolveDisclosed()
	if n := len(e.Resources); n > MaxResources {
		e.More += n - MaxResources
		e.Resources = e.Resources[:MaxResources]
	}
	return e.recordAll(h)
}

// ActCode returns the AuditEvent action code (C, R, U, D or E) of an
// action.
func ActCode(action string) string {
	switch action {
	case "create":
		return "C"
	case "read", "vread", "search-type", "search-system", "history-instance", "history-type", "history-system", "$everything", "capabilities":
		return "R"
	case "update", "patch", "conditional-update", "conditional-patch":
		return "U"
	case "delete", "conditional-delete":
		return "D"
	}
	return "E"
}
