package searchtest

// fixture is one resource written before the searches, at time at (RFC
// 3339) or, when at is empty, at 2024-01-10T00:00:00Z plus its index in
// seconds. Referenced resources come before those referring to them.
type fixture struct {
	at   string
	json string
}

// Facts the expectations rely on, in short (dates written without an
// offset are Asia/Shanghai days, the server's zone):
//
//	Organization org-a "Hôpital Saint-Louis" (lastUpdated 2023-06-15T08:30Z),
//	  org-b "Peking Union Medical College Hospital" partOf org-a (2023-06-16T00:00Z),
//	  org-c "Clinic, Main Street" (2024-01-10)
//	Practitioner prac-li 李四, prac-wang Wang Wei
//	Patient pat-muller Müller Jürgen  male   1980-05-12 org-a, GP prac-li, meta tag vip/profile/security R
//	        pat-zhang  张三 (张/三)    male   1985       org-b, active=false
//	        pat-garcia García Ana     female 1990-07    org-a, tag research
//	        pat-smith  Smith John     other  2001-02-03
//	        pat-smythe Smythe Jon     male   1979
//	        pat-anon   (no name, gender, birthDate), identifier other.example|MRN-001
//	Encounter enc-1 pat-muller AMB finished   2024-03-15 09:00-11:00+08 prac-li      org-a
//	          enc-2 pat-zhang  IMP in-progress 2024-03-10 (open end)  prac-wang,li org-b
//	          enc-3 pat-garcia AMB planned    (no period, no participant)
//	Observation (LOINC)             subject     effective                         value
//	  obs-mg   2339-0 glucose      pat-muller  2024-03-15T10:30:00+08:00         5.4 mg (UCUM)   enc-1 prac-li
//	  obs-g    2339-0              pat-zhang   2024-03-15                        5.4 g (UCUM)    enc-2
//	  obs-mmol 15074-8 glucose     pat-garcia  2024-03-15T23:30:00Z (16th +08)   6.3 mmol/L
//	  obs-unit 2339-0              pat-muller  2024-03                           5.4 unit "mg" only
//	  obs-open 8867-4 heart rate   pat-zhang   [2024-01-01T00:00+08:00, open)    72 /min
//	  obs-closed 8867-4            pat-smith   [2023-12-01, 2023-12-31]          80 /min
//	  obs-nostart 8867-4           pat-smith   (open, 2022-06-30T12:00:00Z]      -
//	  obs-bp   85354-9 BP panel    pat-muller  2024-03-15T10:30:45+08:00         components 120/80 mm[Hg], 0.95 {1}  enc-1 prac-wang
//	  obs-ext  2339-0              http://other.example/fhir/Patient/ext-1     -
//	  obs-logical 8867-4           subject.identifier hospital mrn|MRN-001      -
//	Condition cond-dm  SNOMED 44054006 + ICD-10 E11 pat-muller active onset 2015
//	          cond-htn SNOMED 38341003 pat-zhang active, enc-2
//	          cond-flu SNOMED 6142004 + systemless J11 pat-garcia resolved
//	          cond-icd ICD-10 J11 pat-smith (no clinicalStatus)
//	RiskAssessment probability ra-80 0.8, ra-75 0.75, ra-849 0.849, ra-85 0.85, ra-multi 0.2 and 0.95, ra-none -
//	ValueSet vs-colors .../ValueSet/colors, vs-colors-dark .../ValueSet/colors/dark, vs-urn urn:oid:…, vs-nourl; CodeSystem cs-colors
//	pat-zhang has the narrative "高血压<b>随访</b>：每月复查血压 / Follow-up &amp; Café visit"
//	CodeSystem cs-sct (url http://snomed.info/sct): 64572001 Disease ⊃ 73211009 ⊃ 44054006 (nested),
//	  38341003 (property parent 64572001), 6142004 (property child of 64572001)
//	ValueSet http://terminology.example/ValueSet/dx version 1 (sct 44054006, 38341003), version 2
//	  (sct 6142004, icd-10 J11; written later); .../expanded (expansion: icd-10 E11, sct 38341003
//	  nested); .../exclude (sct 44054006, 38341003, 6142004 less 6142004); .../filter (by filter),
//	  .../whole (all of icd-10), .../empty (an empty expansion)
var fixtures = []fixture{
	{at: "2023-06-15T08:30:00Z", json: `{"resourceType":"Organization","id":"org-a","identifier":[{"system":"http://example.org/org","value":"ORG-A"}],"name":"Hôpital Saint-Louis"}`},
	{at: "2023-06-16T00:00:00Z", json: `{"resourceType":"Organization","id":"org-b","identifier":[{"system":"http://example.org/org","value":"ORG-B"}],"name":"Peking Union Medical College Hospital","partOf":{"reference":"Organization/org-a"}}`},
	{json: `{"resourceType":"Organization","id":"org-c","name":"Clinic, Main Street"}`},

	{json: `{"resourceType":"Practitioner","id":"prac-li","identifier":[{"system":"http://example.org/npi","value":"NPI-1"}],"name":[{"family":"李","given":["四"]}],"gender":"female"}`},
	{json: `{"resourceType":"Practitioner","id":"prac-wang","identifier":[{"system":"http://example.org/npi","value":"NPI-2"}],"name":[{"family":"Wang","given":["Wei"]}],"address":[{"city":"Shanghai"}]}`},

	{json: `{"resourceType":"Patient","id":"pat-muller",
		"meta":{"profile":["http://example.org/StructureDefinition/vip-patient"],"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}],"tag":[{"system":"http://example.org/tags","code":"vip"}]},
		"identifier":[
			{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"http://hospital.example/mrn","value":"MRN-001"},
			{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"PPN"}],"text":"Passport"},"system":"http://example.org/passport","value":"P1234567"}],
		"active":true,
		"name":[{"family":"Müller","given":["Jürgen"]}],
		"telecom":[{"system":"phone","value":"030-1234567"},{"system":"email","value":"juergen@example.de"}],
		"gender":"male","birthDate":"1980-05-12",
		"address":[{"line":["Hauptstraße 1"],"city":"Berlin","postalCode":"10115","country":"DE"}],
		"generalPractitioner":[{"reference":"Practitioner/prac-li"}],
		"managingOrganization":{"reference":"Organization/org-a"}}`},
	{json: `{"resourceType":"Patient","id":"pat-zhang",
		"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>高血压<b>随访</b>：每月复查血压</p><p>Follow-up &amp; Café visit</p></div>"},
		"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"http://hospital.example/mrn","value":"MRN-002"}],
		"active":false,
		"name":[{"text":"张三","family":"张","given":["三"]}],
		"telecom":[{"system":"phone","value":"13800138000"}],
		"gender":"male","birthDate":"1985",
		"address":[{"city":"北京市","country":"CN"}],
		"managingOrganization":{"reference":"Organization/org-b"}}`},
	{json: `{"resourceType":"Patient","id":"pat-garcia",
		"meta":{"tag":[{"system":"http://example.org/tags","code":"research"}]},
		"identifier":[{"system":"http://hospital.example/mrn","value":"MRN-003"},{"value":"X-99"}],
		"name":[{"family":"García","given":["Ana"]}],
		"telecom":[{"system":"email","value":"ana@example.es"}],
		"gender":"female","birthDate":"1990-07",
		"address":[{"use":"home","city":"Sevilla","postalCode":"41001","country":"ES"}],
		"managingOrganization":{"reference":"Organization/org-a"}}`},
	{json: `{"resourceType":"Patient","id":"pat-smith","name":[{"family":"Smith","given":["John"]}],"gender":"other","birthDate":"2001-02-03","address":[{"city":"Springfield","postalCode":"62701"}]}`},
	{json: `{"resourceType":"Patient","id":"pat-smythe","name":[{"family":"Smythe","given":["Jon"]}],"gender":"male","birthDate":"1979"}`},
	{json: `{"resourceType":"Patient","id":"pat-anon","identifier":[{"system":"http://other.example/id","value":"MRN-001"}]}`},

	{json: `{"resourceType":"Encounter","id":"enc-1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
		"subject":{"reference":"Patient/pat-muller"},"participant":[{"individual":{"reference":"Practitioner/prac-li"}}],
		"period":{"start":"2024-03-15T09:00:00+08:00","end":"2024-03-15T11:00:00+08:00"},"serviceProvider":{"reference":"Organization/org-a"}}`},
	{json: `{"resourceType":"Encounter","id":"enc-2","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
		"subject":{"reference":"Patient/pat-zhang"},"participant":[{"individual":{"reference":"Practitioner/prac-wang"}},{"individual":{"reference":"Practitioner/prac-li"}}],
		"period":{"start":"2024-03-10"},"serviceProvider":{"reference":"Organization/org-b"}}`},
	{json: `{"resourceType":"Encounter","id":"enc-3","status":"planned","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/pat-garcia"}}`},

	{json: `{"resourceType":"Observation","id":"obs-mg","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose [Mass/volume] in Blood"}]},
		"subject":{"reference":"Patient/pat-muller"},"encounter":{"reference":"Encounter/enc-1"},"performer":[{"reference":"Practitioner/prac-li"}],
		"effectiveDateTime":"2024-03-15T10:30:00+08:00",
		"valueQuantity":{"value":5.4,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}`},
	{json: `{"resourceType":"Observation","id":"obs-g","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose [Mass/volume] in Blood"}]},
		"subject":{"reference":"Patient/pat-zhang"},"encounter":{"reference":"Encounter/enc-2"},
		"effectiveDateTime":"2024-03-15",
		"valueQuantity":{"value":5.4,"unit":"g","system":"http://unitsofmeasure.org","code":"g"}}`},
	{json: `{"resourceType":"Observation","id":"obs-mmol","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"15074-8","display":"Glucose [Moles/volume] in Blood"}],"text":"Glucose (moles)"},
		"subject":{"reference":"Patient/pat-garcia"},
		"effectiveDateTime":"2024-03-15T23:30:00Z",
		"valueQuantity":{"value":6.3,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}`},
	{json: `{"resourceType":"Observation","id":"obs-unit","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose [Mass/volume] in Blood"}]},
		"subject":{"reference":"Patient/pat-muller"},
		"effectiveDateTime":"2024-03",
		"valueQuantity":{"value":5.4,"unit":"mg"}}`},
	{json: `{"resourceType":"Observation","id":"obs-open","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
		"subject":{"reference":"Patient/pat-zhang"},
		"effectivePeriod":{"start":"2024-01-01T00:00:00+08:00"},
		"valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}`},
	{json: `{"resourceType":"Observation","id":"obs-closed","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
		"subject":{"reference":"Patient/pat-smith"},
		"effectivePeriod":{"start":"2023-12-01","end":"2023-12-31"},
		"valueQuantity":{"value":80,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}`},
	{json: `{"resourceType":"Observation","id":"obs-nostart","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
		"subject":{"reference":"Patient/pat-smith"},
		"effectivePeriod":{"end":"2022-06-30T12:00:00Z"}}`},
	{json: `{"resourceType":"Observation","id":"obs-bp","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}]},
		"subject":{"reference":"Patient/pat-muller"},"encounter":{"reference":"Encounter/enc-1"},"performer":[{"reference":"Practitioner/prac-wang"}],
		"effectiveDateTime":"2024-03-15T10:30:45+08:00",
		"component":[
			{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},"valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
			{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4","display":"Diastolic blood pressure"}]},"valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
			{"code":{"coding":[{"system":"http://example.org/codes","code":"ratio"}]},"valueQuantity":{"value":0.95,"system":"http://unitsofmeasure.org","code":"1"}}]}`},
	{json: `{"resourceType":"Observation","id":"obs-ext","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose [Mass/volume] in Blood"}]},
		"subject":{"reference":"http://other.example/fhir/Patient/ext-1"}}`},
	{json: `{"resourceType":"Observation","id":"obs-logical","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
		"subject":{"identifier":{"system":"http://hospital.example/mrn","value":"MRN-001"}}}`},

	{json: `{"resourceType":"Condition","id":"cond-dm",
		"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
		"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabetes mellitus type 2"},{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11"}],"text":"Type 2 diabetes"},
		"subject":{"reference":"Patient/pat-muller"},"onsetDateTime":"2015"}`},
	{json: `{"resourceType":"Condition","id":"cond-htn",
		"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
		"code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003","display":"Hypertensive disorder"}]},
		"subject":{"reference":"Patient/pat-zhang"},"encounter":{"reference":"Encounter/enc-2"}}`},
	{json: `{"resourceType":"Condition","id":"cond-flu",
		"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},
		"code":{"coding":[{"system":"http://snomed.info/sct","code":"6142004","display":"Influenza"},{"code":"J11"}]},
		"subject":{"reference":"Patient/pat-garcia"}}`},
	{json: `{"resourceType":"Condition","id":"cond-icd","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"J11"}]},"subject":{"reference":"Patient/pat-smith"}}`},

	{json: `{"resourceType":"RiskAssessment","id":"ra-80","status":"final","subject":{"reference":"Patient/pat-muller"},"prediction":[{"probabilityDecimal":0.8}]}`},
	{json: `{"resourceType":"RiskAssessment","id":"ra-75","status":"final","subject":{"reference":"Patient/pat-muller"},"prediction":[{"probabilityDecimal":0.75}]}`},
	{json: `{"resourceType":"RiskAssessment","id":"ra-849","status":"final","subject":{"reference":"Patient/pat-muller"},"prediction":[{"probabilityDecimal":0.849}]}`},
	{json: `{"resourceType":"RiskAssessment","id":"ra-85","status":"final","subject":{"reference":"Patient/pat-muller"},"prediction":[{"probabilityDecimal":0.85}]}`},
	{json: `{"resourceType":"RiskAssessment","id":"ra-multi","status":"final","subject":{"reference":"Patient/pat-muller"},"prediction":[{"probabilityDecimal":0.2},{"probabilityDecimal":0.95}]}`},
	{json: `{"resourceType":"RiskAssessment","id":"ra-none","status":"final","subject":{"reference":"Patient/pat-muller"}}`},

	{json: `{"resourceType":"ValueSet","id":"vs-colors","url":"http://example.org/fhir/ValueSet/colors","name":"Colors","status":"active"}`},
	{json: `{"resourceType":"ValueSet","id":"vs-colors-dark","url":"http://example.org/fhir/ValueSet/colors/dark","name":"DarkColors","status":"active"}`},
	{json: `{"resourceType":"ValueSet","id":"vs-urn","url":"urn:oid:2.16.840.1.113883.4.642.3.1","status":"active"}`},
	{json: `{"resourceType":"ValueSet","id":"vs-nourl","name":"NoURL","status":"draft"}`},
	{json: `{"resourceType":"CodeSystem","id":"cs-colors","url":"http://example.org/fhir/CodeSystem/colors","status":"active","content":"complete"}`},
	{json: `{"resourceType":"CodeSystem","id":"cs-sct","url":"http://snomed.info/sct","status":"active","content":"fragment",
		"concept":[
			{"code":"64572001","display":"Disease","property":[{"code":"child","valueCode":"6142004"}],
			 "concept":[{"code":"73211009","display":"Diabetes mellitus","concept":[{"code":"44054006","display":"Diabetes mellitus type 2"}]}]},
			{"code":"38341003","display":"Hypertensive disorder","property":[{"code":"parent","valueCode":"64572001"}]},
			{"code":"6142004","display":"Influenza"}]}`},
	{json: `{"resourceType":"ValueSet","id":"vs-dx-1","url":"http://terminology.example/ValueSet/dx","version":"1","status":"active",
		"compose":{"include":[{"system":"http://snomed.info/sct","concept":[{"code":"44054006"},{"code":"38341003"}]}]}}`},
	{json: `{"resourceType":"ValueSet","id":"vs-dx-2","url":"http://terminology.example/ValueSet/dx","version":"2","status":"active",
		"compose":{"include":[{"system":"http://snomed.info/sct","concept":[{"code":"6142004"}]},{"system":"http://hl7.org/fhir/sid/icd-10","concept":[{"code":"J11"}]}]}}`},
	{json: `{"resourceType":"ValueSet","id":"vs-expanded","url":"http://terminology.example/ValueSet/expanded","status":"active",
		"expansion":{"timestamp":"2024-01-01T00:00:00Z","contains":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11"},{"abstract":true,"display":"group","contains":[{"system":"http://snomed.info/sct","code":"38341003"}]}]}}`},
	{json: `{"resourceType":"ValueSet","id":"vs-exclude","url":"http://terminology.example/ValueSet/exclude","status":"active",
		"compose":{"include":[{"system":"http://snomed.info/sct","concept":[{"code":"44054006"},{"code":"38341003"},{"code":"6142004"}]}],"exclude":[{"system":"http://snomed.info/sct","concept":[{"code":"6142004"}]}]}}`},
	{json: `{"resourceType":"ValueSet","id":"vs-filter","url":"http://terminology.example/ValueSet/filter","status":"active",
		"compose":{"include":[{"system":"http://snomed.info/sct","filter":[{"property":"concept","op":"is-a","value":"64572001"}]}]}}`},
	{json: `{"resourceType":"ValueSet","id":"vs-whole","url":"http://terminology.example/ValueSet/whole","status":"active",
		"compose":{"include":[{"system":"http://hl7.org/fhir/sid/icd-10"}]}}`},
	{json: `{"resourceType":"ValueSet","id":"vs-empty","url":"http://terminology.example/ValueSet/empty","status":"active",
		"expansion":{"timestamp":"2024-01-01T00:00:00Z"}}`},
}
