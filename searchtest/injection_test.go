package searchtest

import "strings"

// injectionCases look like SQL, LIKE patterns or hold bytes a database may
// refuse; they are plain values that match nothing, or (allow400) values R4
// lets a server refuse with a 400: never a 5xx.
var injectionCases = []searchCase{
	{name: "percent", typ: "Patient", query: "name=%25"},
	{name: "underscore", typ: "Patient", query: "name=_"},
	{name: "contains percent", typ: "Patient", query: "name:contains=%25"},
	{name: "contains underscore", typ: "Patient", query: "name:contains=_"},
	{name: "exact percent", typ: "Patient", query: "name:exact=%25"},
	{name: "backslash percent", typ: "Patient", query: "name:contains=%5C%25", allow400: true},
	{name: "or 1=1", typ: "Patient", query: "name=%27%20OR%20%271%27%3D%271"},
	{name: "drop table", typ: "Patient", query: "family=Smith%27%3B%20DROP%20TABLE%20resources%3B--"},
	{name: "token quote", typ: "Patient", query: "identifier=x%27%20OR%20%27a%27%3D%27a"},
	{name: "token concat", typ: "Patient", query: "identifier=x%27%7C%7C%271", allow400: true},
	{name: "token percent", typ: "Patient", query: "identifier=%25"},
	{name: "token system percent", typ: "Patient", query: "identifier=%25|%25"},
	{name: "uri below percent", typ: "ValueSet", query: "url:below=%25"},
	{name: "uri above underscore", typ: "ValueSet", query: "url:above=_"},
	{name: "tag quote", typ: "Patient", query: "_tag=%27%3B--"},
	{name: "chained quote", typ: "Observation", query: "subject:Patient.name=%27%20OR%201%3D1--"},
	{name: "id or", typ: "Patient", query: "_id=%27%20OR%201%3D1--", allow400: true},
	{name: "reference quote", typ: "Observation", query: "subject=Patient/%27%20OR%201%3D1--", allow400: true},
	{name: "invalid utf-8 string", typ: "Patient", query: "name=%FF", allow400: true},
	{name: "invalid utf-8 contains", typ: "Patient", query: "name:contains=%FF", allow400: true},
	{name: "nul in id", typ: "Patient", query: "_id=a%00b", allow400: true},
	{name: "long value", typ: "Patient", query: "name=" + strings.Repeat("a", 1000), allow400: true},
	{name: "too long value", typ: "Patient", query: "name=" + strings.Repeat("a", 5000), allow400: true},
	{name: "far future", typ: "Patient", query: "birthdate=9999-12-31T23:59:59Z", allow400: true},
	{name: "year one", typ: "Patient", query: "birthdate=lt0001", allow400: true},
	{name: "number overflow", typ: "RiskAssessment", query: "probability=1e400", allow400: true},
	{name: "number many digits", typ: "RiskAssessment", query: "probability=0.80000000000000000000000000000001", allow400: true},
	{name: "quantity near max", typ: "Observation", query: "value-quantity=gt1e308", allow400: true},
}

// The store is intact afterwards.
var afterInjection = []searchCase{{name: "still there", typ: "Patient", query: "family=smith", want: ids("pat-smith")}}
