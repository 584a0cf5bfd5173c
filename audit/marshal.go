package audit

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendEntry appends the entry's canonical bytes: exactly what
// encoding/json makes of Entry (field order, omitempty, HTML-safe string
// escaping, RFC 3339 time with nanoseconds), without reflection. Every
// entry's JSON is made on the audit writer or in an act's transaction,
// where json.Marshal cost about as much as hashing and storing the entry.
// TestMarshalMatchesEncodingJSON holds it to encoding/json.
func appendEntry(b []byte, e *Entry) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(e.V), 10)
	b = append(b, `,"time":`...)
	b = appendTime(b, e.Time)
	if e.RequestID != "" {
		b = appendField(b, "request", e.RequestID)
	}
	b = appendField(b, "action", e.Action)
	if e.Type != "" {
		b = appendField(b, "type", e.Type)
	}
	b = appendField(b, "outcome", e.Outcome)
	if e.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
	}
	b = append(b, `,"agent":{"kind":`...)
	b = appendString(b, e.Agent.Kind)
	b = appendField(b, "id", e.Agent.ID)
	for _, f := range [...]struct{ name, v string }{{"role", e.Agent.Role}, {"org", e.Agent.Org}, {"client", e.Agent.Client}} {
		if f.v != "" {
			b = appendField(b, f.name, f.v)
		}
	}
	b = append(b, '}')
	for _, f := range [...]struct{ name, v string }{{"onBehalfOf", e.OnBehalfOf}, {"purpose", e.Purpose}} {
		if f.v != "" {
			b = appendField(b, f.name, f.v)
		}
	}
	if e.BreakGlass {
		b = append(b, `,"breakGlass":true`...)
	}
	for _, f := range [...]struct{ name, v string }{{"reason", e.Reason}, {"source", e.Source}} {
		if f.v != "" {
			b = appendField(b, f.name, f.v)
		}
	}
	b = appendList(b, "patients", e.Patients)
	b = appendList(b, "resources", e.Resources)
	if e.More != 0 {
		b = append(b, `,"more":`...)
		b = strconv.AppendInt(b, int64(e.More), 10)
	}
	if e.Detail != "" {
		b = appendField(b, "detail", e.Detail)
	}
	return append(b, '}')
}

// appendField appends ,"name":"v" (name needs no escaping).
func appendField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// appendList appends ,"name":[...] unless vs is empty.
func appendList(b []byte, name string, vs []string) []byte {
	if len(vs) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. Strings of printable ASCII
// other than the characters encoding/json escapes (" \ < > &) are copied;
// any other is left to encoding/json, so the escaping is always its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil {
				panic(err) // a string always encodes
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTime appends t as encoding/json does (time.Time.MarshalJSON):
// RFC 3339 with nanoseconds, quoted. Entries' times are normalized, so
// always within the years MarshalJSON accepts; one outside is left to it.
func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		q, err := t.MarshalJSON()
		if err != nil {
			panic(err) // as json.Marshal of the entry did
		}
		return append(b, q...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
