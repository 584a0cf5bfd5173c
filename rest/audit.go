package rest

import (
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
)

// anonymous is the agent of a request without credentials.
var anonymous = audit.Agent{Kind: "anonymous", ID: "-"}

// auditEvent starts the audit context of a request: the authenticated
// caller (anonymous without credentials), on whose behalf (a SMART
// launch's patient) and from where.
func (h *Handler) auditEvent(r *http.Request, rt route, c *call) *audit.Event {
	src := r.RemoteAddr
	if host, _, err := net.SplitHostPort(src); err == nil {
		src = host
	}
	ev := &audit.Event{RequestID: c.reqID, Action: rt.interaction, Type: c.typ, Agent: anonymous, Source: src}
	if p := c.access.p; p != nil {
		ev.Agent, ev.Purpose = p.Agent(), p.PurposeOfUse()
		if p.Patient != "" {
			ev.OnBehalfOf = "Patient/" + p.Patient
		}
	}
	return ev
}

// audit records the request's entry unless the act's own transaction
// already did (writes). Reads list what they disclosed; refusals and
// failures say why, by issue code: their messages may quote the request's
// values, which can be personal data. The capability statement is not
// audited: it discloses nothing.
func (h *Handler) audit(ev *audit.Event, rt route, c *call, status int, err error) {
	if h.cfg.Audit == nil || ev.Recorded() || rt.interaction == "capabilities" {
		return
	}
	e := audit.Entry{
		RequestID: ev.RequestID, Action: ev.Action, Type: ev.Type, Agent: ev.Agent, OnBehalfOf: ev.OnBehalfOf,
		Purpose: ev.Purpose, BreakGlass: ev.BreakGlass, Reason: ev.Reason, Source: ev.Source, Status: status,
		Time: h.cfg.Now(),
	}
	switch {
	case status >= 500:
		e.Outcome = audit.OutcomeError
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Outcome = audit.OutcomeDenied
	case status >= 400:
		e.Outcome = audit.OutcomeFailed
	default:
		e.Outcome = audit.OutcomeSuccess
	}
	if err != nil {
		e.Detail = string(fhir.CodeOf(err))
		if e.Outcome == audit.OutcomeDenied {
			// The policy decision's reasons are the platform's own words.
			e.Detail += ": " + err.Error()
		}
	} else if strings.HasPrefix(rt.interaction, "search") {
		e.Detail = "parameters: " + paramNames(c.query)
	} else if c.idem != nil && c.idem.replayedReq != "" {
		// A replay changes nothing; it repeats the answer of the act
		// the named request did (whose entry lists what it wrote).
		e.Detail = "idempotent replay of request " + c.idem.replayedReq
	}
	if c.id != "" && len(c.disclosed) == 0 && c.typ != "" {
		e.Resources = []string{c.typ + "/" + c.id}
		if c.typ == "Patient" {
			e.Patients = []string{c.id}
		}
	}
	e.Disclose(c.disclosed...)
	h.cfg.Audit.Record(e)
}

// paramNames lists a query's parameter names (not their values).
func paramNames(q map[string][]string) string {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}
