package audit

import (
	"strconv"
	"strings"
	"time"
)

// Code systems of the AuditEvent view.
const (
	systemEventType   = "http://terminology.hl7.org/CodeSystem/audit-event-type"
	systemInteraction = "http://hl7.org/fhir/restful-interaction"
	// SystemOperation names Yitong's operations and platform acts as
	// AuditEvent subtypes.
	SystemOperation = "https://yitong.health/fhir/CodeSystem/audit-action"
	// SystemAgentID identifies agents: kind/id (user/…, client/…, system/yitong).
	SystemAgentID = "https://yitong.health/fhir/NamingSystem/audit-agent"
	// SystemRequest identifies the HTTP request an entry records.
	SystemRequest = "https://yitong.health/fhir/NamingSystem/request-id"
	// ExtTreeIndex is the extension giving an entry's position in the
	// Merkle tree (a decimal string), the index of its inclusion proof.
	ExtTreeIndex     = "https://yitong.health/fhir/StructureDefinition/audit-tree-index"
	systemPurpose    = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	systemObjectRole = "http://terminology.hl7.org/CodeSystem/object-role"
	systemEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
)

// OutcomeCode returns the AuditEvent outcome code of an outcome: success
// 0, failed 4 (minor: the request was wrong), denied 8 (serious: access
// refused), error 12 (major: the platform failed).
func OutcomeCode(outcome string) string {
	switch outcome {
	case OutcomeSuccess:
		return "0"
	case OutcomeFailed:
		return "4"
	case OutcomeDenied:
		return "8"
	}
	return "12"
}

// OutcomeFromCode is the inverse of OutcomeCode ("" for an unknown code).
func OutcomeFromCode(code string) string {
	for _, o := range []string{OutcomeSuccess, OutcomeFailed, OutcomeDenied, OutcomeError} {
		if OutcomeCode(o) == code {
			return o
		}
	}
	return ""
}

var restInteractions = map[string]bool{
	"read": true, "vread": true, "update": true, "patch": true, "delete": true, "history-instance": true,
	"history-type": true, "history-system": true, "create": true, "search-type": true, "search-system": true,
	"transaction": true, "batch": true, "capabilities": true,
}

// AuditEvent renders an entry as a FHIR R4 AuditEvent. id is the entry's
// key (its seq) and index its tree position (-1 before sequencing).
func (e Entry) AuditEvent(id, index int64) map[string]any {
	sub := map[string]any{"system": SystemOperation, "code": e.Action}
	if c, ok := strings.CutPrefix(e.Action, "conditional-"); ok && restInteractions[c] {
		sub = map[string]any{"system": systemInteraction, "code": c}
	} else if restInteractions[e.Action] {
		sub = map[string]any{"system": systemInteraction, "code": e.Action}
	}
	agent := map[string]any{
		"who":       map[string]any{"identifier": map[string]any{"system": SystemAgentID, "value": e.Agent.Kind + "/" + e.Agent.ID}},
		"requestor": true,
	}
	if e.Agent.Role != "" {
		agent["role"] = []any{map[string]any{"text": e.Agent.Role}}
	}
	if e.Source != "" {
		agent["network"] = map[string]any{"address": e.Source, "type": "2"}
	}
	if e.Purpose != "" {
		agent["purposeOfUse"] = []any{map[string]any{"coding": []any{map[string]any{"system": systemPurpose, "code": e.Purpose}}}}
	}
	agents := []any{agent}
	if e.Agent.Client != "" {
		agents = append(agents, map[string]any{"who": map[string]any{"identifier": map[string]any{"system": SystemAgentID, "value": "client/" + e.Agent.Client}}, "requestor": false})
	}
	if e.Agent.Org != "" {
		agents = append(agents, map[string]any{"who": map[string]any{"reference": e.Agent.Org}, "requestor": false})
	}
	var entities []any
	for _, p := range e.Patients {
		entities = append(entities, map[string]any{
			"what": map[string]any{"reference": "Patient/" + p},
			"role": map[string]any{"system": systemObjectRole, "code": "1", "display": "Patient"},
		})
	}
	for _, r := range e.Resources {
		entities = append(entities, map[string]any{"what": map[string]any{"reference": r}})
	}
	if e.RequestID != "" {
		entities = append(entities, map[string]any{
			"what": map[string]any{"identifier": map[string]any{"system": SystemRequest, "value": e.RequestID}},
			"type": map[string]any{"system": systemEntityType, "code": "4", "display": "Other"},
		})
	}
	ae := map[string]any{
		"resourceType": "AuditEvent",
		"id":           strconv.FormatInt(id, 10),
		"type":         map[string]any{"system": systemEventType, "code": "rest", "display": "RESTful Operation"},
		"subtype":      []any{sub},
		"action":       ActCode(e.Action),
		"recorded":     e.Time.UTC().Format(time.RFC3339Nano),
		"outcome":      OutcomeCode(e.Outcome),
		"agent":        agents,
		"source":       map[string]any{"observer": map[string]any{"display": "Yitong"}, "type": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4"}}},
	}
	if e.Detail != "" || e.More > 0 {
		d := e.Detail
		if e.More > 0 {
			d = strings.TrimSpace(d + " (" + strconv.Itoa(e.More) + " more resources not listed)")
		}
		ae["outcomeDesc"] = d
	}
	if e.BreakGlass {
		pe := map[string]any{"coding": []any{map[string]any{"system": systemPurpose, "code": "BTG", "display": "break the glass"}}}
		if e.Reason != "" {
			pe["text"] = e.Reason
		}
		ae["purposeOfEvent"] = []any{pe}
	}
	if entities != nil {
		ae["entity"] = entities
	}
	if index >= 0 {
		ae["extension"] = []any{map[string]any{"url": ExtTreeIndex, "valueString": strconv.FormatInt(index, 10)}}
	}
	return ae
}
