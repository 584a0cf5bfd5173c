package searchtest

// tokenCases: a token is [code], [system]|[code], |[code] (no system) or
// [system]| (any code of the system) (R4 search 3.1.1.4.6). :not returns
// resources with no matching value, including those with no value at all;
// :text searches CodeableConcept.text, Coding.display and
// Identifier.type.text as a string (starts-with, case-insensitive);
// :of-type on identifier takes type-system|type-code|value, all from one
// Identifier. For an element of type code the system is implicit, the one
// the element's required binding implies (R4 3.1.1.4.6, token table: "code
// | (implicit) | code | the system is defined in the value set"), so
// system|code matches it and |code, which asks for a value without a
// system, does not.
var tokenCases = []searchCase{
	{name: "identifier value", typ: "Patient", query: "identifier=MRN-001", want: ids("pat-muller", "pat-anon")},
	{name: "identifier system|value", typ: "Patient", query: "identifier=http://hospital.example/mrn|MRN-001", want: ids("pat-muller")},
	{name: "identifier other system", typ: "Patient", query: "identifier=http://other.example/id|MRN-001", want: ids("pat-anon")},
	{name: "identifier no system", typ: "Patient", query: "identifier=|X-99", want: ids("pat-garcia")},
	{name: "identifier no system but has one", typ: "Patient", query: "identifier=|MRN-001", want: nil},
	{name: "identifier system only", typ: "Patient", query: "identifier=http://hospital.example/mrn|", want: ids("pat-muller", "pat-zhang", "pat-garcia")},
	{name: "identifier of-type wrong value", typ: "Patient", query: "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-003", want: nil},
	{name: "identifier of-type from two identifiers", typ: "Patient", query: "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|PPN|MRN-001", want: nil},
	{name: "identifier text", typ: "Patient", query: "identifier:text=passport", want: ids("pat-muller")},
	{name: "identifier missing", typ: "Patient", query: "identifier:missing=true", want: ids("pat-smith", "pat-smythe")},
	{name: "identifier not system|value", typ: "Patient", query: "identifier:not=http://hospital.example/mrn|MRN-001", want: ids("pat-zhang", "pat-garcia", "pat-smith", "pat-smythe", "pat-anon")},
	{name: "identifier not", typ: "Patient", query: "identifier:not=MRN-001", want: ids("pat-zhang", "pat-garcia", "pat-smith", "pat-smythe")},

	{name: "gender male", typ: "Patient", query: "gender=male", want: ids("pat-muller", "pat-zhang", "pat-smythe")},
	{name: "gender female", typ: "Patient", query: "gender=female", want: ids("pat-garcia")},
	{name: "gender not", typ: "Patient", query: "gender:not=male", want: ids("pat-garcia", "pat-smith", "pat-anon")},
	{name: "gender missing", typ: "Patient", query: "gender:missing=true", want: ids("pat-anon")},
	{name: "gender present", typ: "Patient", query: "gender:missing=false", want: ids("pat-muller", "pat-zhang", "pat-garcia", "pat-smith", "pat-smythe")},
	{name: "gender system|code", typ: "Patient", query: "gender=http://hl7.org/fhir/administrative-gender|male", want: ids("pat-muller", "pat-zhang", "pat-smythe")},
	{name: "gender no system", typ: "Patient", query: "gender=|male", want: nil},
	{name: "gender other system", typ: "Patient", query: "gender=http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender|male", want: nil},
	{name: "gender system only", typ: "Patient", query: "gender=http://hl7.org/fhir/administrative-gender|", want: ids("pat-muller", "pat-zhang", "pat-garcia", "pat-smith", "pat-smythe")},
	{name: "gender not system|code", typ: "Patient", query: "gender:not=http://hl7.org/fhir/administrative-gender|male", want: ids("pat-garcia", "pat-smith", "pat-anon")},
	{name: "gender or with and without system", typ: "Patient", query: "gender=http://hl7.org/fhir/administrative-gender|female,other", want: ids("pat-garcia", "pat-smith")},
	{name: "boolean true", typ: "Patient", query: "active=true", want: ids("pat-muller")},
	{name: "boolean false", typ: "Patient", query: "active=false", want: ids("pat-zhang")},
	{name: "boolean missing", typ: "Patient", query: "active:missing=true", want: ids("pat-garcia", "pat-smith", "pat-smythe", "pat-anon")},
	{name: "address use", typ: "Patient", query: "address-use=home", want: ids("pat-garcia")},
	{name: "address use system|code", typ: "Patient", query: "address-use=http://hl7.org/fhir/address-use|home", want: ids("pat-garcia")},
	{name: "telecom", typ: "Patient", query: "telecom=030-1234567", want: ids("pat-muller")},
	{name: "phone", typ: "Patient", query: "phone=13800138000", want: ids("pat-zhang")},
	{name: "email", typ: "Patient", query: "email=ana@example.es", want: ids("pat-garcia")},
	{name: "email is not phone", typ: "Patient", query: "phone=ana@example.es", want: nil},
	{name: "email missing", typ: "Patient", query: "email:missing=true", want: ids("pat-zhang", "pat-smith", "pat-smythe", "pat-anon")},

	{name: "code", typ: "Observation", query: "code=2339-0", want: ids("obs-mg", "obs-g", "obs-unit", "obs-ext")},
	{name: "code with system", typ: "Observation", query: "code=http://loinc.org|2339-0", want: ids("obs-mg", "obs-g", "obs-unit", "obs-ext")},
	{name: "code wrong system", typ: "Observation", query: "code=http://snomed.info/sct|2339-0", want: nil},
	{name: "code not", typ: "Observation", query: "code:not=2339-0", want: ids("obs-mmol", "obs-open", "obs-closed", "obs-nostart", "obs-bp", "obs-logical")},
	{name: "code text display", typ: "Observation", query: "code:text=glucose", want: ids("obs-mg", "obs-g", "obs-unit", "obs-ext", "obs-mmol")},
	{name: "code text heart", typ: "Observation", query: "code:text=heart", want: ids("obs-open", "obs-closed", "obs-nostart", "obs-logical")},
	{name: "code text of text", typ: "Observation", query: "code:text=glucose%20(mol", want: ids("obs-mmol")},
	{name: "code text two words", typ: "Observation", query: "code:text=blood%20pressure", want: ids("obs-bp")},
	{name: "component code", typ: "Observation", query: "component-code=8480-6", want: ids("obs-bp")},
	{name: "code is not component", typ: "Observation", query: "code=8480-6", want: nil},
	{name: "combo code", typ: "Observation", query: "combo-code=http://loinc.org|8480-6", want: ids("obs-bp")},

	{name: "condition code any system", typ: "Condition", query: "code=J11", want: ids("cond-flu", "cond-icd")},
	{name: "condition code no system", typ: "Condition", query: "code=|J11", want: ids("cond-flu")},
	{name: "condition code icd", typ: "Condition", query: "code=http://hl7.org/fhir/sid/icd-10|J11", want: ids("cond-icd")},
	{name: "condition system only", typ: "Condition", query: "code=http://hl7.org/fhir/sid/icd-10|", want: ids("cond-dm", "cond-icd")},
	{name: "condition code not", typ: "Condition", query: "code:not=J11", want: ids("cond-dm", "cond-htn")},
	{name: "condition code text", typ: "Condition", query: "code:text=type%202", want: ids("cond-dm")},
	{name: "condition code display", typ: "Condition", query: "code:text=diab", want: ids("cond-dm")},
	{name: "clinical status", typ: "Condition", query: "clinical-status=active", want: ids("cond-dm", "cond-htn")},
	{name: "clinical status not", typ: "Condition", query: "clinical-status:not=active", want: ids("cond-flu", "cond-icd")},
	{name: "clinical status missing", typ: "Condition", query: "clinical-status:missing=true", want: ids("cond-icd")},
	{name: "encounter class", typ: "Encounter", query: "class=AMB", want: ids("enc-1", "enc-3")},
	{name: "encounter status", typ: "Encounter", query: "status=in-progress", want: ids("enc-2")},
	{name: "encounter status system|code", typ: "Encounter", query: "status=http://hl7.org/fhir/encounter-status|in-progress", want: ids("enc-2")},
	{name: "organization identifier", typ: "Organization", query: "identifier=http://example.org/org|ORG-B", want: ids("org-b")},
}
