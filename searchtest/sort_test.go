package searchtest

// sortCases: _sort lists parameters, "-" for descending (R4 search
// 3.1.1.5.2). An element with several values sorts by its lowest value
// ascending and its highest descending, and a date range likewise by its
// start or its end; resources without a value sort last in both directions.
var sortCases = []searchCase{
	{name: "date asc", typ: "Patient", query: "_sort=birthdate", want: ids("pat-smythe", "pat-muller", "pat-zhang", "pat-garcia", "pat-smith", "pat-anon")},
	{name: "date desc", typ: "Patient", query: "_sort=-birthdate", want: ids("pat-smith", "pat-garcia", "pat-zhang", "pat-muller", "pat-smythe", "pat-anon")},
	{name: "string asc", typ: "Patient", query: "_sort=family", want: ids("pat-garcia", "pat-muller", "pat-smith", "pat-smythe", "pat-zhang", "pat-anon")},
	{name: "string desc", typ: "Patient", query: "_sort=-family", want: ids("pat-zhang", "pat-smythe", "pat-smith", "pat-muller", "pat-garcia", "pat-anon")},
	{name: "token then date desc", typ: "Patient", query: "_sort=gender,-birthdate", want: ids("pat-garcia", "pat-zhang", "pat-muller", "pat-smythe", "pat-smith", "pat-anon")},
	{name: "token desc then string", typ: "Patient", query: "_sort=-gender,family", want: ids("pat-smith", "pat-muller", "pat-smythe", "pat-zhang", "pat-garcia", "pat-anon")},
	{name: "filtered", typ: "Patient", query: "gender=male&_sort=-birthdate", want: ids("pat-zhang", "pat-muller", "pat-smythe")},
	{name: "lastUpdated desc", typ: "Organization", query: "_sort=-_lastUpdated", want: ids("org-c", "org-b", "org-a")},
	{name: "lastUpdated asc", typ: "Organization", query: "_sort=_lastUpdated", want: ids("org-a", "org-b", "org-c")},
	{name: "id", typ: "Organization", query: "_sort=_id", want: ids("org-a", "org-b", "org-c")},
	{name: "id desc", typ: "Organization", query: "_sort=-_id", want: ids("org-c", "org-b", "org-a")},
	{name: "number asc lowest value", typ: "RiskAssessment", query: "_sort=probability", want: ids("ra-multi", "ra-75", "ra-80", "ra-849", "ra-85", "ra-none")},
	{name: "number desc highest value", typ: "RiskAssessment", query: "_sort=-probability", want: ids("ra-multi", "ra-85", "ra-849", "ra-80", "ra-75", "ra-none")},
	{name: "date ranges asc", typ: "Observation", query: "code=2339-0,15074-8&_sort=date", want: ids("obs-unit", "obs-g", "obs-mg", "obs-mmol", "obs-ext")},
	{name: "date ranges desc", typ: "Observation", query: "code=2339-0,15074-8&_sort=-date", want: ids("obs-unit", "obs-mmol", "obs-g", "obs-mg", "obs-ext")},
	{name: "period asc", typ: "Encounter", query: "_sort=date", want: ids("enc-2", "enc-1", "enc-3")},
	{name: "quantity", typ: "Observation", query: "value-quantity=gt6&_sort=-value-quantity", want: ids("obs-closed", "obs-open", "obs-mmol")},
}

// systemCases: a search over all types; _type narrows the types, and
// parameters must be common to them (R4 search 3.1.1.1).
var systemCases = []searchCase{
	{name: "id", query: "_id=pat-muller", want: ids("pat-muller")},
	{name: "types and name", query: "_type=Patient,Practitioner&name=李", want: ids("prac-li")},
	{name: "types and latin name", query: "_type=Patient,Practitioner&name=wang", want: ids("prac-wang")},
	{name: "types and name or", query: "_type=Patient,Practitioner&name=wang,smi", want: ids("prac-wang", "pat-smith")},
	{name: "one type", query: "_type=Organization&_id=org-a,pat-muller", want: ids("org-a")},
	{name: "uri on two types", query: "_type=ValueSet,CodeSystem&url:below=http://example.org/fhir", want: ids("vs-colors", "vs-colors-dark", "cs-colors")},
	{name: "lastUpdated", query: "_type=Organization,Practitioner&_lastUpdated=2023-06-15", want: ids("org-a")},
	{name: "tag", query: "_tag=http://example.org/tags|vip", want: ids("pat-muller")},
	{name: "sorted", query: "_type=Organization&_sort=-_id", want: ids("org-c", "org-b", "org-a")},
}
