package searchtest

// referenceCases: a reference value is an id, Type/id, or an absolute URL
// (R4 search 3.1.1.4.10); the :[type] modifier restricts the target type;
// :identifier matches Reference.identifier (a token); :missing tests
// presence.
var referenceCases = []searchCase{
	{name: "id", typ: "Observation", query: "subject=pat-muller", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "type/id", typ: "Observation", query: "subject=Patient/pat-muller", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "type modifier", typ: "Observation", query: "subject:Patient=pat-muller", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "other type modifier", typ: "Observation", query: "subject:Group=pat-muller", want: nil},
	{name: "wrong type", typ: "Observation", query: "subject=Group/pat-muller", want: nil},
	{name: "patient param", typ: "Observation", query: "patient=pat-zhang", want: ids("obs-g", "obs-open")},
	{name: "or", typ: "Observation", query: "subject=Patient/pat-muller,Patient/pat-zhang", want: ids("obs-mg", "obs-unit", "obs-bp", "obs-g", "obs-open")},
	{name: "absolute url", typ: "Observation", query: "subject=http://other.example/fhir/Patient/ext-1", want: ids("obs-ext")},
	{name: "identifier system|value", typ: "Observation", query: "subject:identifier=http://hospital.example/mrn|MRN-001", want: ids("obs-logical")},
	{name: "identifier value", typ: "Observation", query: "subject:identifier=MRN-001", want: ids("obs-logical")},
	{name: "identifier other system", typ: "Observation", query: "subject:identifier=http://other.example/id|MRN-001", want: nil},
	{name: "encounter", typ: "Observation", query: "encounter=enc-1", want: ids("obs-mg", "obs-bp")},
	{name: "encounter missing", typ: "Observation", query: "encounter:missing=true", want: ids("obs-unit", "obs-mmol", "obs-open", "obs-closed", "obs-nostart", "obs-ext", "obs-logical")},
	{name: "encounter present", typ: "Observation", query: "encounter:missing=false", want: ids("obs-mg", "obs-g", "obs-bp")},
	{name: "performer", typ: "Observation", query: "performer=Practitioner/prac-li", want: ids("obs-mg")},
	{name: "performer type modifier", typ: "Observation", query: "performer:Practitioner=prac-wang", want: ids("obs-bp")},
	{name: "participant", typ: "Encounter", query: "participant=Practitioner/prac-li", want: ids("enc-1", "enc-2")},
	{name: "practitioner", typ: "Encounter", query: "practitioner=prac-wang", want: ids("enc-2")},
	{name: "participant missing", typ: "Encounter", query: "participant:missing=true", want: ids("enc-3")},
	{name: "service provider", typ: "Encounter", query: "service-provider=org-b", want: ids("enc-2")},
	{name: "managing organization", typ: "Patient", query: "organization=Organization/org-a", want: ids("pat-muller", "pat-garcia")},
	{name: "general practitioner", typ: "Patient", query: "general-practitioner:Practitioner=prac-li", want: ids("pat-muller")},
	{name: "partof", typ: "Organization", query: "partof=org-a", want: ids("org-b")},
	{name: "partof missing", typ: "Organization", query: "partof:missing=true", want: ids("org-a", "org-c")},
	{name: "no such target", typ: "Observation", query: "subject=Patient/nobody", want: nil},
}
