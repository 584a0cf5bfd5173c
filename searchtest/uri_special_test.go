package searchtest

// uriCases: a uri matches exactly (case-sensitive); :below matches URIs that
// start with the value, :above those the value starts with (R4 search
// 3.1.1.4.13).
var uriCases = []searchCase{
	{name: "exact", typ: "ValueSet", query: "url=http://example.org/fhir/ValueSet/colors", want: ids("vs-colors")},
	{name: "exact urn", typ: "ValueSet", query: "url=urn:oid:2.16.840.1.113883.4.642.3.1", want: ids("vs-urn")},
	{name: "exact is not prefix", typ: "ValueSet", query: "url=http://example.org/fhir/ValueSet", want: nil},
	{name: "exact is case-sensitive", typ: "ValueSet", query: "url=http://example.org/fhir/ValueSet/COLORS", want: nil},
	{name: "below", typ: "ValueSet", query: "url:below=http://example.org/fhir/ValueSet", want: ids("vs-colors", "vs-colors-dark")},
	{name: "below includes itself", typ: "ValueSet", query: "url:below=http://example.org/fhir/ValueSet/colors", want: ids("vs-colors", "vs-colors-dark")},
	{name: "below leaf", typ: "ValueSet", query: "url:below=http://example.org/fhir/ValueSet/colors/dark", want: ids("vs-colors-dark")},
	{name: "above", typ: "ValueSet", query: "url:above=http://example.org/fhir/ValueSet/colors/dark/extra", want: ids("vs-colors", "vs-colors-dark")},
	{name: "above includes itself", typ: "ValueSet", query: "url:above=http://example.org/fhir/ValueSet/colors", want: ids("vs-colors")},
	{name: "missing", typ: "ValueSet", query: "url:missing=true", want: ids("vs-nourl")},
	{name: "codesystem", typ: "CodeSystem", query: "url=http://example.org/fhir/CodeSystem/colors", want: ids("cs-colors")},
	{name: "or", typ: "ValueSet", query: "url=http://example.org/fhir/ValueSet/colors/dark,urn:oid:2.16.840.1.113883.4.642.3.1", want: ids("vs-colors-dark", "vs-urn")},
}

// specialCases: _id, _lastUpdated (a date parameter on meta.lastUpdated),
// _tag, _profile and _security (tokens and a uri on meta).
// lastUpdated: org-a 2023-06-15T08:30:00Z, org-b 2023-06-16T00:00:00Z,
// org-c 2024-01-10.
var specialCases = []searchCase{
	{name: "id", typ: "Patient", query: "_id=pat-muller", want: ids("pat-muller")},
	{name: "ids", typ: "Patient", query: "_id=pat-muller,pat-zhang", want: ids("pat-muller", "pat-zhang")},
	{name: "id of another type", typ: "Patient", query: "_id=org-a", want: nil},
	{name: "id unknown", typ: "Patient", query: "_id=nobody", want: nil},
	{name: "lastUpdated day", typ: "Organization", query: "_lastUpdated=2023-06-15", want: ids("org-a")},
	{name: "lastUpdated Shanghai day", typ: "Organization", query: "_lastUpdated=2023-06-16", want: ids("org-b")},
	{name: "lastUpdated year", typ: "Organization", query: "_lastUpdated=2023", want: ids("org-a", "org-b")},
	{name: "lastUpdated lt instant", typ: "Organization", query: "_lastUpdated=lt2023-06-16T00:00:00Z", want: ids("org-a")},
	{name: "lastUpdated ge instant", typ: "Organization", query: "_lastUpdated=ge2023-06-16T00:00:00Z", want: ids("org-b", "org-c")},
	{name: "lastUpdated le other zone", typ: "Organization", query: "_lastUpdated=le2023-06-16T08:00:00%2B08:00", want: ids("org-a", "org-b")},
	{name: "lastUpdated minute in zone", typ: "Organization", query: "_lastUpdated=2023-06-15T16:30%2B08:00", want: ids("org-a")},
	{name: "lastUpdated gt", typ: "Organization", query: "_lastUpdated=gt2023-12-31", want: ids("org-c")},
	{name: "lastUpdated sa", typ: "Organization", query: "_lastUpdated=sa2023-06-15", want: ids("org-b", "org-c")},
	{name: "lastUpdated eb", typ: "Organization", query: "_lastUpdated=eb2023-06-16", want: ids("org-a")},
	{name: "lastUpdated ne", typ: "Organization", query: "_lastUpdated=ne2023-06-15", want: ids("org-b", "org-c")},
	{name: "tag system|code", typ: "Patient", query: "_tag=http://example.org/tags|vip", want: ids("pat-muller")},
	{name: "tag code", typ: "Patient", query: "_tag=research", want: ids("pat-garcia")},
	{name: "tag not", typ: "Patient", query: "_tag:not=http://example.org/tags|vip", want: ids("pat-zhang", "pat-garcia", "pat-smith", "pat-smythe", "pat-anon")},
	{name: "profile", typ: "Patient", query: "_profile=http://example.org/StructureDefinition/vip-patient", want: ids("pat-muller")},
	{name: "security", typ: "Patient", query: "_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R", want: ids("pat-muller")},
	{name: "security code", typ: "Patient", query: "_security=R", want: ids("pat-muller")},
}

// orAndCases: commas OR the values of one parameter, repetitions AND them;
// "\," is a literal comma (R4 search 3.1.1.5, 3.1.1.6).
var orAndCases = []searchCase{
	{name: "or string", typ: "Patient", query: "name=muller,garcia", want: ids("pat-muller", "pat-garcia")},
	{name: "or token", typ: "Patient", query: "identifier=MRN-001,MRN-002", want: ids("pat-muller", "pat-anon", "pat-zhang")},
	{name: "and string", typ: "Patient", query: "name=smith&name=john", want: ids("pat-smith")},
	{name: "and family given", typ: "Patient", query: "family=sm&given=jon", want: ids("pat-smythe")},
	{name: "and token", typ: "Patient", query: "identifier=MRN-001&identifier=http://other.example/id|", want: ids("pat-anon")},
	{name: "and different params", typ: "Patient", query: "gender=male&birthdate=lt1985", want: ids("pat-muller", "pat-smythe")},
	{name: "and contradictory", typ: "Patient", query: "gender=male&gender=female", want: nil},
	{name: "or and and", typ: "Observation", query: "code=2339-0,15074-8&subject=pat-muller,pat-garcia", want: ids("obs-mg", "obs-unit", "obs-mmol")},
	{name: "escaped comma", typ: "Organization", query: `name=Clinic\,%20Main`, want: ids("org-c")},
	{name: "unescaped comma is or", typ: "Organization", query: "name=clinic,peking", want: ids("org-c", "org-b")},
	{name: "escaped comma contains", typ: "Organization", query: `name:contains=c\,%20m`, want: ids("org-c")},
	{name: "contains or", typ: "Organization", query: "name:contains=Main,Union", want: ids("org-c", "org-b")},
	{name: "escaped comma is not or", typ: "Organization", query: `name=peking\,clinic`, want: nil},
}
