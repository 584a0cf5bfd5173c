package searchtest

import (
	"testing"

	"github.com/yitong-health/yitong/store/sqlstore"
	"github.com/yitong-health/yitong/store/storetest"
)

// chainCases: "ref.param" and "ref:Type.param" apply a condition to the
// resource a reference points to, across several links (R4 search
// 3.1.1.4.11); only literal references to stored resources can be
// followed.
var chainCases = []searchCase{
	{name: "typed", typ: "Observation", query: "subject:Patient.name=张", want: ids("obs-g", "obs-open")},
	{name: "untyped", typ: "Observation", query: "subject.name=muller", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "date", typ: "Observation", query: "patient.birthdate=1980-05-12", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "token", typ: "Observation", query: "patient.gender=female", want: ids("obs-mmol")},
	{name: "token implied system", typ: "Observation", query: "patient.gender=http://hl7.org/fhir/administrative-gender|female", want: ids("obs-mmol")},
	{name: "identifier not logical reference", typ: "Observation", query: "subject:Patient.identifier=http://hospital.example/mrn|MRN-001", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "or inside chain", typ: "Observation", query: "subject:Patient.name=张,garc%C3%ADa", want: ids("obs-g", "obs-open", "obs-mmol")},
	{name: "and of chains", typ: "Observation", query: "subject.name=muller&subject.name=j%C3%BCrgen", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "chain and plain", typ: "Observation", query: "subject:Patient.gender=male&code=85354-9", want: ids("obs-bp")},
	{name: "two links", typ: "Observation", query: "subject:Patient.organization.name=peking", want: ids("obs-g", "obs-open")},
	{name: "two links typed twice", typ: "Observation", query: "subject:Patient.organization:Organization.name=peking", want: ids("obs-g", "obs-open")},
	{name: "to _id", typ: "Observation", query: "subject:Patient._id=pat-muller", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "two links accent", typ: "Observation", query: "subject:Patient.organization.name=hopital", want: ids("obs-mg", "obs-unit", "obs-bp", "obs-mmol")},
	{name: "two links to practitioner", typ: "Observation", query: "subject:Patient.general-practitioner.name=李", want: ids("obs-mg", "obs-unit", "obs-bp")},
	{name: "three links", typ: "Observation", query: "encounter.service-provider.partof.name=hopital", want: ids("obs-g")},
	{name: "encounter participant", typ: "Encounter", query: "participant:Practitioner.name=李", want: ids("enc-1", "enc-2")},
	{name: "encounter practitioner", typ: "Encounter", query: "practitioner.name=wang", want: ids("enc-2")},
	{name: "condition", typ: "Condition", query: "subject:Patient.gender=male&code=44054006", want: ids("cond-dm")},
	{name: "no match", typ: "Observation", query: "subject:Patient.name=nobody", want: nil},
}

// hasCases: "_has:Type:ref:param=value" keeps resources that a resource of
// Type refers to through ref and that matches param=value; _has nests (R4
// search 3.1.1.4.11 reverse chaining).
var hasCases = []searchCase{
	{name: "observation code", typ: "Patient", query: "_has:Observation:patient:code=2339-0", want: ids("pat-muller", "pat-zhang")},
	{name: "observation code with system", typ: "Patient", query: "_has:Observation:patient:code=http://loinc.org|2339-0", want: ids("pat-muller", "pat-zhang")},
	{name: "observation code of another system", typ: "Patient", query: "_has:Observation:patient:code=http://snomed.info/sct|2339-0", want: nil},
	{name: "observation subject", typ: "Patient", query: "_has:Observation:subject:code=85354-9", want: ids("pat-muller")},
	{name: "condition", typ: "Patient", query: "_has:Condition:subject:code=J11", want: ids("pat-garcia", "pat-smith")},
	{name: "or", typ: "Patient", query: "_has:Condition:subject:code=J11,38341003", want: ids("pat-garcia", "pat-smith", "pat-zhang")},
	{name: "and", typ: "Patient", query: "_has:Observation:patient:code=2339-0&_has:Condition:subject:code=44054006", want: ids("pat-muller")},
	{name: "no referrer", typ: "Patient", query: "_has:Observation:patient:code=8480-6", want: nil},
	{name: "practitioner", typ: "Practitioner", query: "_has:Encounter:participant:status=in-progress", want: ids("prac-wang", "prac-li")},
	{name: "organization", typ: "Organization", query: "_has:Patient:organization:gender=female", want: ids("org-a")},
	{name: "nested", typ: "Patient", query: "_has:Encounter:subject:_has:Observation:encounter:code=85354-9", want: ids("pat-muller")},
	{name: "nested practitioner", typ: "Practitioner", query: "_has:Encounter:practitioner:_has:Observation:encounter:code=85354-9", want: ids("prac-li")},
	{name: "nested organization", typ: "Organization", query: "_has:Encounter:service-provider:_has:Observation:encounter:code=2339-0", want: ids("org-a", "org-b")},
	{name: "by id", typ: "Patient", query: "_has:Observation:subject:_id=obs-bp", want: ids("pat-muller")},
	{name: "with plain filter", typ: "Patient", query: "_has:Observation:patient:code=2339-0&gender=male&birthdate=1985", want: ids("pat-zhang")},
}

// TestHasAfterWrites: a reverse chain sees the referring resources as they
// are now, under both plans: an Observation whose code changed, or that was
// deleted, no longer makes its patient match (the plans read index rows,
// idx_patient_code among them, which an update or delete must clear).
func TestHasAfterWrites(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := load(t, b)
			cur, err := e.svc.Read(ctx, "Observation", "obs-g")
			if err != nil {
				t.Fatal(err)
			}
			obs := cur.Resource
			obs["code"] = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6"}}}
			if _, err := e.svc.Update(ctx, "Observation", "obs-g", obs, 0); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"obs-mg", "obs-unit"} {
				if _, err := e.svc.Delete(ctx, "Observation", id, 0); err != nil {
					t.Fatal(err)
				}
			}
			cases := []searchCase{
				{name: "old code", typ: "Patient", query: "_has:Observation:patient:code=2339-0", want: nil},
				{name: "new code", typ: "Patient", query: "_has:Observation:patient:code=8480-6", want: ids("pat-zhang")},
				{name: "new code with system", typ: "Patient", query: "_has:Observation:patient:code=http://loinc.org|8480-6", want: ids("pat-zhang")},
			}
			runCases(t, e, cases)
			defer func(n, m int) { sqlstore.BroadHasLimit, sqlstore.BroadHasTargets = n, m }(sqlstore.BroadHasLimit, sqlstore.BroadHasTargets)
			sqlstore.BroadHasLimit, sqlstore.BroadHasTargets = 1, 1
			runCases(t, e, cases)
		})
	}
}
