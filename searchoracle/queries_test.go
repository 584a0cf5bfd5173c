package searchoracle

import (
	"net/url"
	"strings"
)

// Code systems and identifier systems of the Synthea data.
const (
	loinc   = "http://loinc.org"
	snomed  = "http://snomed.info/sct"
	cvx     = "http://hl7.org/fhir/sid/cvx"
	ucum    = "http://unitsofmeasure.org"
	actCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	ssnSys  = "http://hl7.org/fhir/sid/us-ssn"
	dlSys   = "urn:oid:2.16.840.1.113883.4.3.25"
	mrnSys  = "http://hospital.smarthealthit.org"
	npiSys  = "http://hl7.org/fhir/sid/us-npi"
	v2Type  = "http://terminology.hl7.org/CodeSystem/v2-0203"

	bodyWeight = "29463-7"
	bodyHeight = "8302-2"
	heartRate  = "8867-4"
	bmi        = "39156-5"
	painScore  = "72514-3"
	bodyTemp   = "8310-5"
	oxygenSat  = "2708-6"
)

// esc escapes a value picked from the data for a query string.
func esc(s string) string { return url.QueryEscape(s) }

// static is a query whose string does not depend on the data.
func static(params string, match pred) builder {
	return func(*corpus) expect { return expect{params: params, match: match} }
}

// queries are checked against the oracle; every one must agree.
var queries = []query{
	// --- Patient: identifiers (Synthea has SSN, driver's licence, MRN).
	{"patient/identifier-ssn", "Patient", func(c *corpus) expect {
		ssn := identValue(c.patient(3), ssnSys)
		return expect{params: "identifier=" + esc(ssnSys+"|"+ssn), match: tokenIdent(ssnSys+"|"+ssn, "identifier")}
	}},
	{"patient/identifier-dl-any-system", "Patient", func(c *corpus) expect {
		ps := c.withIdent(dlSys)
		dl := identValue(ps[len(ps)/2], dlSys)
		return expect{params: "identifier=" + esc(dl), match: tokenIdent(dl, "identifier")}
	}},
	{"patient/identifier-mrn", "Patient", func(c *corpus) expect {
		mrn := identValue(c.patient(7), mrnSys)
		return expect{params: "identifier=" + esc(mrnSys+"|"+mrn), match: tokenIdent(mrnSys+"|"+mrn, "identifier")}
	}},
	{"patient/identifier-or", "Patient", func(c *corpus) expect {
		v := ssnSys + "|" + identValue(c.patient(1), ssnSys) + "," + ssnSys + "|" + identValue(c.patient(4), ssnSys)
		return expect{params: "identifier=" + esc(v), match: tokenIdent(v, "identifier")}
	}},
	{"patient/identifier-system-only", "Patient", static("identifier="+esc(dlSys+"|")+"&_count=7",
		tokenIdent(dlSys+"|", "identifier"))},
	{"patient/identifier-wrong-system", "Patient", func(c *corpus) expect {
		// An SSN under the driver's licence system matches nothing.
		v := dlSys + "|" + identValue(c.patient(3), ssnSys)
		return expect{params: "identifier=" + esc(v), match: tokenIdent(v, "identifier"), mayBeEmpty: true}
	}},
	{"patient/id-or", "Patient", func(c *corpus) expect {
		a, b := c.patient(2).ID, c.patient(9).ID
		return expect{params: "_id=" + a + "," + b, match: func(r *res) bool { return r.ID == a || r.ID == b }}
	}},

	// --- Patient: names and addresses (string search).
	{"patient/family-prefix", "Patient", func(c *corpus) expect {
		f := patientFamily(c.patient(2))[0][:4]
		return expect{params: "family=" + esc(f), match: strParam(f, startsWith, patientFamily)}
	}},
	{"patient/family-lowercase", "Patient", func(c *corpus) expect {
		f := strings.ToLower(patientFamily(c.patient(5))[0])
		return expect{params: "family=" + esc(f), match: strParam(f, startsWith, patientFamily)}
	}},
	{"patient/family-exact", "Patient", func(c *corpus) expect {
		f := patientFamily(c.patient(2))[0]
		return expect{params: "family:exact=" + esc(f), match: strParam(f, exact, patientFamily)}
	}},
	{"patient/family-exact-case", "Patient", func(c *corpus) expect {
		f := strings.ToLower(patientFamily(c.patient(2))[0])
		return expect{params: "family:exact=" + esc(f), match: strParam(f, exact, patientFamily), mayBeEmpty: true}
	}},
	{"patient/given-contains", "Patient", func(c *corpus) expect {
		g := patientGiven(c.patient(4))[0][2:5]
		return expect{params: "given:contains=" + esc(g), match: strParam(g, contains, patientGiven)}
	}},
	{"patient/name-prefix-title", "Patient", static("name=mrs", strParam("mrs", startsWith, patientNames))},
	{"patient/name-or", "Patient", func(c *corpus) expect {
		v := patientFamily(c.patient(6))[0] + "," + patientGiven(c.patient(11))[0]
		return expect{params: "name=" + esc(v), match: strParam(v, startsWith, patientNames)}
	}},
	{"patient/name-and", "Patient", func(c *corpus) expect {
		p := c.patient(8)
		f, g := patientFamily(p)[0], patientGiven(p)[0][:3]
		return expect{params: "name=" + esc(f) + "&name=" + esc(g),
			match: and(strParam(f, startsWith, patientNames), strParam(g, startsWith, patientNames))}
	}},
	{"patient/name-contains-digits", "Patient", func(c *corpus) expect {
		// Synthea names end with digits: "Ruben688".
		g := patientGiven(c.patient(0))[0]
		v := g[len(g)-2:]
		return expect{params: "name:contains=" + esc(v), match: strParam(v, contains, patientNames)}
	}},
	{"patient/address-city", "Patient", func(c *corpus) expect {
		city := patientCity(c.patient(10))[0]
		return expect{params: "address-city=" + esc(city), match: strParam(city, startsWith, patientCity)}
	}},
	{"patient/address-city-contains", "Patient", static("address-city:contains=ton",
		strParam("ton", contains, patientCity))},
	{"patient/address-postalcode", "Patient", func(c *corpus) expect {
		z := patientPostal(c.patientWith(12, patientPostal))[0][:3]
		return expect{params: "address-postalcode=" + esc(z), match: strParam(z, startsWith, patientPostal)}
	}},
	{"patient/address-any-part", "Patient", static("address=MA&_count=13",
		strParam("MA", startsWith, func(r *res) []string { return addressParts(r.M, "address") }))},

	// --- Patient: gender and birth date.
	{"patient/gender", "Patient", static("gender=female", tokenCode("female", "gender"))},
	{"patient/gender-not", "Patient", static("gender:not=female", not(tokenCode("female", "gender")))},
	{"patient/birthdate-day", "Patient", func(c *corpus) expect {
		d := first(c.patient(1).M, "birthDate")
		return expect{params: "birthdate=" + d, match: dateParam(d, birthDate)}
	}},
	{"patient/birthdate-month", "Patient", func(c *corpus) expect {
		d := "eq" + first(c.patient(9).M, "birthDate")[:7]
		return expect{params: "birthdate=" + d, match: dateParam(d, birthDate)}
	}},
	{"patient/birthdate-year-range", "Patient", func(c *corpus) expect {
		y := first(c.patient(8).M, "birthDate")[:4]
		lo, hi := "ge"+y, "lt"+addYears(y, 10)
		return expect{params: "birthdate=" + lo + "&birthdate=" + hi,
			match: and(dateParam(lo, birthDate), dateParam(hi, birthDate))}
	}},
	{"patient/birthdate-gt-day-sorted", "Patient", static("birthdate=gt1990-06-15&_sort=birthdate",
		dateParam("gt1990-06-15", birthDate)).with(byDate(birthDate, false))},
	{"patient/birthdate-le-month-or", "Patient", static("birthdate=le1950-03,sa2010",
		dateParam("le1950-03,sa2010", birthDate))},

	// --- Patient: sorting and :missing.
	{"patient/sort-family-desc", "Patient", static("_sort=-family&_count=7", func(*res) bool { return true }).
		with(byString(patientFamily, true))},
	{"patient/sort-given-then-birthdate", "Patient", static("_sort=given,-birthdate&_count=20", func(*res) bool { return true }).
		with(then(byString(patientGiven, false), byDate(birthDate, true)))},
	{"patient/sort-state-birthdate", "Patient", static("address-state=MA&_sort=birthdate",
		strParam("MA", startsWith, patientState)).with(byDate(birthDate, false))},
	{"patient/sort-death-date-missing-last", "Patient", static("_sort=death-date&_count=9", func(*res) bool { return true }).
		with(byDate(deathDate, false))},
	{"patient/male-sort-birthdate-desc", "Patient", static("gender=male&_sort=-birthdate",
		tokenCode("male", "gender")).with(byDate(birthDate, true))},
	{"patient/death-date-not-missing", "Patient", static("death-date:missing=false",
		missing(false, func(r *res) bool { return len(deathDate(r)) > 0 }))},

	// --- Patient: reverse chaining and _revinclude.
	{"patient/has-observation-code", "Patient", func(c *corpus) expect {
		q := loinc + "|" + bodyTemp
		return expect{params: "_has:Observation:patient:code=" + esc(q), match: c.hasReverse("Observation", tokenCC(q, "code"), "subject")}
	}},
	{"patient/has-condition-code", "Patient", func(c *corpus) expect {
		q := snomed + "|" + c.commonCode("Condition", "code", 1)
		return expect{params: "_has:Condition:patient:code=" + esc(q), match: c.hasReverse("Condition", tokenCC(q, "code"), "subject")}
	}},
	{"patient/revinclude-conditions", "Patient", func(c *corpus) expect {
		return expect{params: "gender=male&_count=3&_revinclude=Condition:patient", match: tokenCode("male", "gender"),
			include: func(page []*res) []*res { return c.revIncluded(page, "Condition", "subject") }}
	}},

	// --- Observation.
	{"observation/patient-code", "Observation", func(c *corpus) expect {
		p := c.busiestPatient("Observation", "subject").Ref()
		q := loinc + "|" + bodyWeight
		return expect{params: "patient=" + p + "&code=" + esc(q),
			match: and(refParam(p, "subject"), tokenCC(q, "code"))}
	}},
	{"observation/subject-code-sort-date", "Observation", func(c *corpus) expect {
		p := c.patient(5).Ref()
		q := loinc + "|" + bodyHeight
		return expect{params: "subject=" + p + "&code=" + esc(q) + "&_sort=date&_count=4",
			match: and(refParam(p, "subject"), tokenCC(q, "code")), order: byDate(effective, false)}
	}},
	{"observation/code-date-ge-month", "Observation", static("code="+esc(loinc+"|"+bodyHeight)+"&date=ge2015-03",
		and(tokenCC(loinc+"|"+bodyHeight, "code"), dateParam("ge2015-03", effective)))},
	{"observation/code-date-lt-day", "Observation", func(c *corpus) expect {
		q := loinc + "|" + bodyHeight
		d := day(c.medianDate("Observation", tokenCC(q, "code"), effective))
		return expect{params: "code=" + esc(q) + "&date=lt" + d,
			match: and(tokenCC(q, "code"), dateParam("lt"+d, effective))}
	}},
	{"observation/code-date-year", "Observation", static("code="+esc(loinc+"|"+bodyWeight)+"&date=2018",
		and(tokenCC(loinc+"|"+bodyWeight, "code"), dateParam("2018", effective)))},
	{"observation/code-date-gt-le", "Observation", static("code="+esc(loinc+"|"+heartRate)+"&date=gt2016-05-20&date=le2017-02",
		and(tokenCC(loinc+"|"+heartRate, "code"), dateParam("gt2016-05-20", effective), dateParam("le2017-02", effective)))},
	{"observation/date-eq-day-of-one", "Observation", func(c *corpus) expect {
		o := c.nth("Observation", 7, tokenCC(loinc+"|"+bodyWeight, "code"))
		d := day(effective(o)[0].lo)
		return expect{params: "date=" + d + "&code=" + bodyWeight,
			match: and(dateParam(d, effective), tokenCC(bodyWeight, "code"))}
	}},
	{"observation/date-datetime-utc", "Observation", static("code="+painScore+"&date=lt2012-07-04T12:00:00Z",
		and(tokenCC(painScore, "code"), dateParam("lt2012-07-04T12:00:00Z", effective)))},
	{"observation/date-datetime-offset-sorted-desc", "Observation", static("code="+painScore+"&date=ge2019-06-01T00:00:00%2B08:00&_sort=-date",
		and(tokenCC(painScore, "code"), dateParam("ge2019-06-01T00:00:00+08:00", effective))).with(byDate(effective, true))},
	{"observation/weight-gt-kg", "Observation", static("code="+esc(loinc+"|"+bodyWeight)+"&value-quantity="+esc("gt100|"+ucum+"|kg"),
		and(tokenCC(loinc+"|"+bodyWeight, "code"), func(r *res) bool { return matchQuantity(r.M, "gt100|"+ucum+"|kg", "valueQuantity") }))},
	{"observation/bmi-le-unit-only", "Observation", static("value-quantity="+esc("le20||kg/m2"),
		func(r *res) bool { return matchQuantity(r.M, "le20||kg/m2", "valueQuantity") })},
	{"observation/heart-rate-eq-implied-precision", "Observation", static("code="+heartRate+"&value-quantity=70",
		and(tokenCC(heartRate, "code"), func(r *res) bool { return matchQuantity(r.M, "70", "valueQuantity") }))},
	{"observation/value-eq-decimal-of-one", "Observation", func(c *corpus) expect {
		o := c.nth("Observation", 3, tokenCC(loinc+"|"+bodyHeight, "code"))
		v, _ := get(o.M, "valueQuantity", "value")[0].(interface{ String() string })
		q := "eq" + v.String() + "|" + ucum + "|cm"
		return expect{params: "value-quantity=" + esc(q), match: func(r *res) bool { return matchQuantity(r.M, q, "valueQuantity") }}
	}},
	{"observation/value-lt-mmol", "Observation", static("value-quantity="+esc("lt5|"+ucum+"|mmol/L")+"&_count=100",
		func(r *res) bool { return matchQuantity(r.M, "lt5|"+ucum+"|mmol/L", "valueQuantity") })},
	{"observation/value-ge-and-le", "Observation", static("code="+bmi+"&value-quantity=ge25&value-quantity=le27.5",
		and(tokenCC(bmi, "code"), func(r *res) bool {
			return matchQuantity(r.M, "ge25", "valueQuantity") && matchQuantity(r.M, "le27.5", "valueQuantity")
		}))},
	{"observation/code-or", "Observation", static("code="+esc(loinc+"|"+bodyTemp+","+loinc+"|"+oxygenSat),
		tokenCC(loinc+"|"+bodyTemp+","+loinc+"|"+oxygenSat, "code"))},
	{"observation/code-without-system", "Observation", static("code="+painScore+"&_count=100", tokenCC(painScore, "code"))},
	{"observation/chain-subject-name", "Observation", func(c *corpus) expect {
		g := patientGiven(c.patient(3))[0]
		return expect{params: "subject:Patient.name=" + esc(g) + "&code=" + bodyHeight,
			match: and(tokenCC(bodyHeight, "code"), c.chain(strParam(g, startsWith, patientNames), "Patient", "subject"))}
	}},
	{"observation/chain-patient-gender", "Observation", func(c *corpus) expect {
		return expect{params: "patient.gender=female&code=" + esc(loinc+"|"+bmi) + "&date=ge2018",
			match: and(tokenCC(loinc+"|"+bmi, "code"), dateParam("ge2018", effective),
				c.chain(tokenCode("female", "gender"), "Patient", "subject"))}
	}},
	{"observation/sort-value-desc", "Observation", func(c *corpus) expect {
		p := c.busiestPatient("Observation", "subject").Ref()
		return expect{params: "patient=" + p + "&code=" + bodyWeight + "&_sort=-value-quantity",
			match: and(refParam(p, "subject"), tokenCC(bodyWeight, "code")),
			order: byNumber(func(r *res) []float64 { return quantities(r, "valueQuantity") }, true)}
	}},
	{"observation/category-sorted", "Observation", func(c *corpus) expect {
		p := c.busiestPatient("Observation", "subject").Ref()
		return expect{params: "patient=" + p + "&category=laboratory&_sort=-date&_count=20",
			match: and(refParam(p, "subject"), tokenCC("laboratory", "category")), order: byDate(effective, true)}
	}},
	{"observation/value-quantity-missing", "Observation", func(c *corpus) expect {
		p := c.patient(6).Ref()
		return expect{params: "patient=" + p + "&value-quantity:missing=true",
			match: and(refParam(p, "subject"), missing(true, func(r *res) bool { return len(get(r.M, "valueQuantity")) > 0 }))}
	}},
	{"observation/category-not", "Observation", func(c *corpus) expect {
		p := c.patient(6).Ref()
		return expect{params: "patient=" + p + "&category:not=vital-signs",
			match: and(refParam(p, "subject"), not(tokenCC("vital-signs", "category")))}
	}},

	// --- Encounter.
	{"encounter/patient-include-practitioner", "Encounter", func(c *corpus) expect {
		p := c.busiestPatient("Encounter", "subject").Ref()
		return expect{params: "patient=" + p + "&_include=Encounter:practitioner&_count=10", match: refParam(p, "subject"),
			include: func(page []*res) []*res { return c.included(page, "Practitioner", "participant", "individual") }}
	}},
	{"encounter/class", "Encounter", static("class=EMER", tokenCC("EMER", "class"))},
	{"encounter/class-system-or-include", "Encounter", func(c *corpus) expect {
		v := actCode + "|IMP," + actCode + "|EMER"
		return expect{params: "class=" + esc(v) + "&_include=Encounter:practitioner", match: tokenCC(v, "class"),
			include: func(page []*res) []*res { return c.included(page, "Practitioner", "participant", "individual") }}
	}},
	{"encounter/type-date-sorted-desc", "Encounter", static("type="+esc(snomed+"|185345009")+"&date=ge2015&_sort=-date",
		and(tokenCC(snomed+"|185345009", "type"), dateParam("ge2015", encounterPeriod))).with(byDate(encounterPeriod, true))},
	{"encounter/date-month-range", "Encounter", static("date=ge2019-03-01&date=lt2019-05",
		and(dateParam("ge2019-03-01", encounterPeriod), dateParam("lt2019-05", encounterPeriod)))},
	{"encounter/date-eq-day-of-one", "Encounter", func(c *corpus) expect {
		e := c.nth("Encounter", 11, func(*res) bool { return true })
		d := day(encounterPeriod(e)[0].lo)
		return expect{params: "date=" + d, match: dateParam(d, encounterPeriod)}
	}},
	{"encounter/date-sa-eb", "Encounter", func(c *corpus) expect {
		p := c.busiestPatient("Encounter", "subject").Ref()
		return expect{params: "patient=" + p + "&date=sa2012-01-01&date=eb2016",
			match: and(refParam(p, "subject"), dateParam("sa2012-01-01", encounterPeriod), dateParam("eb2016", encounterPeriod))}
	}},
	{"encounter/reason-code-not-missing", "Encounter", func(c *corpus) expect {
		p := c.busiestPatient("Encounter", "subject").Ref()
		return expect{params: "patient=" + p + "&reason-code:missing=false",
			match: and(refParam(p, "subject"), missing(false, func(r *res) bool { return len(codings(r.M, "reasonCode")) > 0 }))}
	}},
	{"encounter/chain-participant-practitioner", "Encounter", func(c *corpus) expect {
		pr := c.included(c.byType["Encounter"][:1], "Practitioner", "participant", "individual")[0]
		f := strs(pr.M, "name", "family")[0]
		return expect{params: "participant:Practitioner.family=" + esc(f),
			match: c.chain(strParam(f, startsWith, func(r *res) []string { return strs(r.M, "name", "family") }), "Practitioner", "participant", "individual")}
	}},
	{"encounter/revinclude-observations", "Encounter", func(c *corpus) expect {
		p := c.patient(2).Ref()
		return expect{params: "patient=" + p + "&_revinclude=Observation:encounter&_count=5", match: refParam(p, "subject"),
			include: func(page []*res) []*res { return c.revIncluded(page, "Observation", "encounter") }}
	}},

	// --- Condition.
	{"condition/code", "Condition", static("code="+esc(snomed+"|444814009"), tokenCC(snomed+"|444814009", "code"))},
	{"condition/clinical-status-sorted-onset-desc", "Condition", static("clinical-status=active&_sort=-onset-date",
		tokenCC("active", "clinicalStatus")).with(byDate(onset, true))},
	{"condition/codes-or-status-not", "Condition", static("code=840539006,840544004&clinical-status:not=resolved",
		and(tokenCC("840539006,840544004", "code"), not(tokenCC("resolved", "clinicalStatus"))))},
	{"condition/onset-before-sorted", "Condition", static("onset-date=lt2000&_sort=onset-date",
		dateParam("lt2000", onset)).with(byDate(onset, false))},
	{"condition/onset-month", "Condition", static("onset-date=2020-03", dateParam("2020-03", onset))},
	{"condition/abatement-missing", "Condition", func(c *corpus) expect {
		p := c.busiestPatient("Condition", "subject").Ref()
		return expect{params: "patient=" + p + "&abatement-date:missing=true",
			match: and(refParam(p, "subject"), missing(true, func(r *res) bool { return len(abatement(r)) > 0 }))}
	}},
	{"condition/summary-count", "Condition", func(c *corpus) expect {
		return expect{params: "code=" + esc(snomed+"|840539006") + "&_summary=count", match: tokenCC(snomed+"|840539006", "code"), countOnly: true}
	}},
	{"condition/include-patient", "Condition", func(c *corpus) expect {
		q := snomed + "|" + c.commonCode("Condition", "code", 3)
		return expect{params: "code=" + esc(q) + "&_include=Condition:patient&_count=4", match: tokenCC(q, "code"),
			include: func(page []*res) []*res { return c.included(page, "Patient", "subject") }}
	}},

	// --- MedicationRequest.
	{"medicationrequest/status-intent", "MedicationRequest", static("status=active&intent=order",
		and(tokenCode("active", "status"), tokenCode("order", "intent")))},
	{"medicationrequest/authoredon-sorted", "MedicationRequest", static("authoredon=ge2020-01-01&status=stopped&_sort=authoredon",
		and(dateParam("ge2020-01-01", authoredOn), tokenCode("stopped", "status"))).with(byDate(authoredOn, false))},
	{"medicationrequest/patient-authoredon-le-month", "MedicationRequest", func(c *corpus) expect {
		p := c.busiestPatient("MedicationRequest", "subject")
		mid := authoredOnMedian(c, p)
		return expect{params: "patient=" + p.Ref() + "&authoredon=le" + mid,
			match: and(refParam(p.Ref(), "subject"), dateParam("le"+mid, authoredOn))}
	}},
	{"medicationrequest/medication-reference-not-missing", "MedicationRequest", static("medication:missing=false",
		missing(false, func(r *res) bool { return len(refs(r.M, "medicationReference")) > 0 }))},
	{"medicationrequest/code-missing", "MedicationRequest", static("code:missing=true",
		missing(true, func(r *res) bool { return len(codings(r.M, "medicationCodeableConcept")) > 0 }))},
	{"medicationrequest/summary-count", "MedicationRequest", static("status=stopped&_summary=count", tokenCode("stopped", "status")).count()},

	// --- Immunization.
	{"immunization/vaccine-date-sorted", "Immunization", static("vaccine-code="+esc(cvx+"|140")+"&date=ge2018&_sort=-date",
		and(tokenCC(cvx+"|140", "vaccineCode"), dateParam("ge2018", occurrence))).with(byDate(occurrence, true))},
	{"immunization/vaccine-or-no-system", "Immunization", static("vaccine-code=20,10,03",
		tokenCC("20,10,03", "vaccineCode"))},
	{"immunization/date-month-of-one", "Immunization", func(c *corpus) expect {
		i := c.nth("Immunization", 5, func(*res) bool { return true })
		m := month(occurrence(i)[0].lo)
		return expect{params: "date=" + m, match: dateParam(m, occurrence)}
	}},
	{"immunization/patient-vaccine-not", "Immunization", func(c *corpus) expect {
		p := c.busiestPatient("Immunization", "patient").Ref()
		return expect{params: "patient=" + p + "&vaccine-code:not=" + esc(cvx+"|140"),
			match: and(refParam(p, "patient"), not(tokenCC(cvx+"|140", "vaccineCode")))}
	}},

	// --- Procedure.
	{"procedure/patient-code", "Procedure", func(c *corpus) expect {
		p := c.busiestPatient("Procedure", "subject").Ref()
		q := snomed + "|430193006"
		return expect{params: "patient=" + p + "&code=" + esc(q), match: and(refParam(p, "subject"), tokenCC(q, "code"))}
	}},
	{"procedure/date-ge-month", "Procedure", static("date=ge2020-03&_count=100", dateParam("ge2020-03", performed))},
	{"procedure/patient-sorted-date-desc", "Procedure", func(c *corpus) expect {
		p := c.patient(4).Ref()
		return expect{params: "patient=" + p + "&_sort=-date", match: refParam(p, "subject"), order: byDate(performed, true)}
	}},

	// --- Practitioner and Organization.
	{"practitioner/identifier-npi", "Practitioner", func(c *corpus) expect {
		npi := identValue(c.byType["Practitioner"][17], npiSys)
		return expect{params: "identifier=" + esc(npiSys+"|"+npi), match: tokenIdent(npiSys+"|"+npi, "identifier")}
	}},
	{"practitioner/family-sorted", "Practitioner", static("family=b&_sort=family",
		strParam("b", startsWith, func(r *res) []string { return strs(r.M, "name", "family") })).
		with(byString(func(r *res) []string { return strs(r.M, "name", "family") }, false))},
	{"organization/name-contains", "Organization", static("name:contains=hospital",
		strParam("hospital", contains, func(r *res) []string { return append(strs(r.M, "name"), strs(r.M, "alias")...) }))},

	// --- System level.
	{"system/type-gender", "", func(c *corpus) expect {
		return expect{params: "_type=Patient,Practitioner&gender=female&_count=40", types: []string{"Patient", "Practitioner"},
			match: tokenCode("female", "gender")}
	}},
	{"system/type-summary-count", "", func(c *corpus) expect {
		return expect{params: "_type=Patient,Practitioner&_summary=count", types: []string{"Patient", "Practitioner"},
			match: func(*res) bool { return true }, countOnly: true}
	}},
	{"system/id-across-types", "", func(c *corpus) expect {
		a, b := c.patient(1), c.byType["Practitioner"][3]
		return expect{params: "_id=" + a.ID + "," + b.ID, types: c.types(),
			match: func(r *res) bool { return r == a || r == b }}
	}},
	// --- More modifiers, special parameters and paging over ties.
	{"practitionerrole/practitioner-identifier", "PractitionerRole", func(c *corpus) expect {
		npi := identValue(c.byType["Practitioner"][21], npiSys)
		return expect{params: "practitioner:identifier=" + esc(npiSys+"|"+npi), match: tokenIdent(npiSys+"|"+npi, "practitioner", "identifier")}
	}},
	{"patient/address-line-exact-with-spaces", "Patient", func(c *corpus) expect {
		line := strs(c.patient(20).M, "address", "line")[0]
		return expect{params: "address:exact=" + esc(line),
			match: strParam(line, exact, func(r *res) []string { return addressParts(r.M, "address") })}
	}},
	{"patient/address-contains-with-space", "Patient", func(c *corpus) expect {
		line := strs(c.patient(21).M, "address", "line")[0]
		i := strings.IndexByte(line, ' ')
		v := line[max(i-2, 0):min(i+3, len(line))]
		return expect{params: "address:contains=" + esc(v),
			match: strParam(v, contains, func(r *res) []string { return addressParts(r.M, "address") })}
	}},
	{"observation/value-ne", "Observation", func(c *corpus) expect {
		p := c.busiestPatient("Observation", "subject").Ref()
		return expect{params: "patient=" + p + "&code=" + heartRate + "&value-quantity=ne70",
			match: and(refParam(p, "subject"), tokenCC(heartRate, "code"), func(r *res) bool { return matchQuantity(r.M, "ne70", "valueQuantity") })}
	}},
	{"observation/value-exponent", "Observation", static("code="+bodyWeight+"&value-quantity=gt1e2",
		and(tokenCC(bodyWeight, "code"), func(r *res) bool { return matchQuantity(r.M, "gt100", "valueQuantity") }))},
	{"patient/has-condition-onset", "Patient", func(c *corpus) expect {
		return expect{params: "_has:Condition:patient:onset-date=lt1995", match: c.hasReverse("Condition", dateParam("lt1995", onset), "subject")}
	}},
	{"observation/chain-two-levels", "Observation", func(c *corpus) expect {
		p := c.patient(22).Ref()
		o := c.nth("Observation", 0, refParam(p, "subject"))
		enc := c.included([]*res{o}, "Encounter", "encounter")
		org := c.included(enc, "Organization", "serviceProvider")[0]
		n := strs(org.M, "name")[0]
		n = n[:min(len(n), 6)]
		orgName := strParam(n, startsWith, func(r *res) []string { return append(strs(r.M, "name"), strs(r.M, "alias")...) })
		return expect{params: "subject=" + p + "&encounter.service-provider.name=" + esc(n),
			match: and(refParam(p, "subject"), c.chain(c.chain(orgName, "Organization", "serviceProvider"), "Encounter", "encounter"))}
	}},
	{"patient/postalcode-missing", "Patient", static("address-postalcode:missing=true",
		missing(true, func(r *res) bool { return len(patientPostal(r)) > 0 }))},
	{"patient/sort-death-date-desc-paged-through-missing", "Patient", static("_sort=-death-date&_count=4", func(*res) bool { return true }).
		with(byDate(deathDate, true))},
	{"condition/sort-abatement-desc-paged", "Condition", func(c *corpus) expect {
		p := c.busiestPatient("Condition", "subject").Ref()
		return expect{params: "patient=" + p + "&_sort=-abatement-date,code&_count=2", match: refParam(p, "subject"),
			order: then(byDate(abatement, true), byString(func(r *res) []string {
				var out []string
				for _, cd := range codings(r.M, "code") {
					out = append(out, cd.code)
				}
				return out
			}, false))}
	}},
	{"patient/identifier-of-type", "Patient", func(c *corpus) expect {
		ssn := identValue(c.patient(13), ssnSys)
		return expect{params: "identifier:of-type=" + esc(v2Type+"|SS|"+ssn),
			match: func(r *res) bool {
				for _, x := range get(r.M, "identifier") {
					if hasCode(x, v2Type, "SS", "type") && first(x, "value") == ssn {
						return true
					}
				}
				return false
			}}
	}},
	{"condition/code-text", "Condition", static("code:text=viral",
		strParam("viral", startsWith, func(r *res) []string {
			return append(strs(r.M, "code", "text"), strs(r.M, "code", "coding", "display")...)
		}))},
	{"patient/sort-gender-ties-paged", "Patient", static("_sort=gender&_count=3", func(*res) bool { return true }).
		with(byString(func(r *res) []string { return strs(r.M, "gender") }, false))},
	{"patient/sort-lastupdated-desc", "Patient", static("_sort=-_lastUpdated&_count=11", func(*res) bool { return true }).
		with(byDate(lastUpdated, true))},
	{"patient/lastupdated-ge", "Patient", func(c *corpus) expect {
		d := "ge" + first(c.patient(6).M, "meta", "lastUpdated")
		return expect{params: "_lastUpdated=" + esc(d), match: dateParam(d, lastUpdated)}
	}},
	{"practitioner/sort-id", "Practitioner", static("_sort=_id&_count=60", func(*res) bool { return true }).
		with(func(a, b *res) int { return strings.Compare(a.ID, b.ID) })},
	{"observation/subject-id-only", "Observation", func(c *corpus) expect {
		p := c.patient(9)
		return expect{params: "subject=" + p.ID + "&code=" + bodyWeight,
			match: and(refParam(p.Ref(), "subject"), tokenCC(bodyWeight, "code"))}
	}},
	{"observation/subject-type-modifier", "Observation", func(c *corpus) expect {
		p := c.patient(10)
		return expect{params: "subject:Patient=" + p.ID + "&code=" + heartRate,
			match: and(refParam(p.Ref(), "subject"), tokenCC(heartRate, "code"))}
	}},
	{"observation/code-value-quantity-composite", "Observation", static("code-value-quantity="+esc(loinc+"|"+bodyWeight+"$gt100"),
		and(tokenCC(loinc+"|"+bodyWeight, "code"), func(r *res) bool { return matchQuantity(r.M, "gt100", "valueQuantity") }))},
	{"observation/component-code-value-quantity", "Observation", static("component-code-value-quantity="+esc(loinc+"|8480-6$gt140"),
		func(r *res) bool {
			for _, comp := range get(r.M, "component") {
				if hasCode(comp, loinc, "8480-6", "code") && matchQuantity(comp, "gt140", "valueQuantity") {
					return true
				}
			}
			return false
		})},
	{"observation/chain-subject-city", "Observation", func(c *corpus) expect {
		city := patientCity(c.patient(14))[0]
		return expect{params: "subject:Patient.address-city=" + esc(city) + "&code=" + bodyWeight,
			match: and(tokenCC(bodyWeight, "code"), c.chain(strParam(city, startsWith, patientCity), "Patient", "subject"))}
	}},
	{"observation/date-no-offset-is-shanghai", "Observation", static("code="+painScore+"&date=lt2015-01-01T00:00:00",
		and(tokenCC(painScore, "code"), dateParam("lt2015-01-01T00:00:00", effective)))},
	{"observation/include-encounter", "Observation", func(c *corpus) expect {
		p := c.patient(15).Ref()
		return expect{params: "patient=" + p + "&category=vital-signs&_include=Observation:encounter&_count=25",
			match:   and(refParam(p, "subject"), tokenCC("vital-signs", "category")),
			include: func(page []*res) []*res { return c.included(page, "Encounter", "encounter") }}
	}},
	{"patient/has-encounter-class", "Patient", func(c *corpus) expect {
		return expect{params: "_has:Encounter:patient:class=EMER", match: c.hasReverse("Encounter", tokenCC("EMER", "class"), "subject")}
	}},
	{"patient/has-and-has", "Patient", func(c *corpus) expect {
		return expect{params: "_has:Encounter:patient:class=EMER&_has:Immunization:patient:vaccine-code=140",
			match: and(c.hasReverse("Encounter", tokenCC("EMER", "class"), "subject"),
				c.hasReverse("Immunization", tokenCC("140", "vaccineCode"), "patient"))}
	}},
	{"patient/birthdate-ne", "Patient", func(c *corpus) expect {
		d := "ne" + first(c.patient(16).M, "birthDate")
		return expect{params: "gender=male&birthdate=" + d, match: and(tokenCode("male", "gender"), dateParam(d, birthDate))}
	}},
	{"patient/death-date-missing", "Patient", static("gender=female&death-date:missing=true",
		and(tokenCode("female", "gender"), missing(true, func(r *res) bool { return len(deathDate(r)) > 0 })))},
	{"patient/address-city-exact", "Patient", func(c *corpus) expect {
		city := patientCity(c.patient(17))[0]
		return expect{params: "address-city:exact=" + esc(city), match: strParam(city, exact, patientCity)}
	}},
	{"encounter/sort-date-paged", "Encounter", func(c *corpus) expect {
		p := c.patient(18).Ref()
		return expect{params: "patient=" + p + "&_sort=date&_count=7", match: refParam(p, "subject"), order: byDate(encounterPeriod, false)}
	}},
	{"condition/encounter-reference", "Condition", func(c *corpus) expect {
		e := first(c.nth("Condition", 4, func(*res) bool { return true }).M, "encounter", "reference")
		return expect{params: "encounter=" + e, match: refParam(e, "encounter")}
	}},
	{"diagnosticreport/result-reference", "DiagnosticReport", func(c *corpus) expect {
		o := first(c.nth("DiagnosticReport", 9, func(r *res) bool { return len(refs(r.M, "result")) > 0 }).M, "result", "reference")
		return expect{params: "result=" + o, match: refParam(o, "result")}
	}},
	{"medicationrequest/include-medication", "MedicationRequest", func(c *corpus) expect {
		return expect{params: "medication:missing=false&_include=MedicationRequest:medication&_count=4",
			match:   func(r *res) bool { return len(refs(r.M, "medicationReference")) > 0 },
			include: func(page []*res) []*res { return c.included(page, "Medication", "medicationReference") }}
	}},
	{"system/type-common-patient", "", func(c *corpus) expect {
		p := c.patient(19).Ref()
		return expect{params: "_type=Condition,Procedure&patient=" + p, types: []string{"Condition", "Procedure"},
			match: refParam(p, "subject")}
	}},
}

// with sets the order of a query.
func (b builder) with(order func(a, b *res) int) builder {
	return func(c *corpus) expect { e := b(c); e.order = order; return e }
}

// count makes a query count-only.
func (b builder) count() builder {
	return func(c *corpus) expect { e := b(c); e.countOnly = true; return e }
}
