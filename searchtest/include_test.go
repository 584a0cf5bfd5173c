package searchtest

// includeCases: _include adds the resources the matches refer to through a
// parameter (Type:param[:target], or Type:* for all), _revinclude those
// referring to the matches; without :iterate only the matches are followed,
// with :iterate included resources too. Included resources are listed once
// and never also as matches (R4 search 3.1.1.5.4).
var includeCases = []searchCase{
	{name: "include", typ: "Observation", query: "_id=obs-mg&_include=Observation:subject", want: ids("obs-mg"), inc: ids("pat-muller")},
	{name: "include target type", typ: "Observation", query: "_id=obs-mg&_include=Observation:subject:Patient", want: ids("obs-mg"), inc: ids("pat-muller")},
	{name: "include other target type", typ: "Observation", query: "_id=obs-mg&_include=Observation:subject:Group", want: ids("obs-mg")},
	{name: "include wildcard", typ: "Observation", query: "_id=obs-mg&_include=Observation:*", want: ids("obs-mg"), inc: ids("pat-muller", "prac-li", "enc-1")},
	{name: "include once", typ: "Observation", query: "_id=obs-mg,obs-unit&_include=Observation:subject", want: ids("obs-mg", "obs-unit"), inc: ids("pat-muller")},
	{name: "include two", typ: "Observation", query: "_id=obs-bp&_include=Observation:subject&_include=Observation:performer", want: ids("obs-bp"), inc: ids("pat-muller", "prac-wang")},
	{name: "include external reference", typ: "Observation", query: "_id=obs-ext&_include=Observation:subject", want: ids("obs-ext")},
	{name: "include iterate", typ: "Observation", query: "_id=obs-mg&_include=Observation:encounter&_include:iterate=Encounter:service-provider", want: ids("obs-mg"), inc: ids("enc-1", "org-a")},
	// Without :iterate an _include from another type applies to nothing;
	// refusing it is allowed too.
	{name: "include without iterate", typ: "Observation", query: "_id=obs-mg&_include=Observation:encounter&_include=Encounter:service-provider", want: ids("obs-mg"), inc: ids("enc-1"), allow400: true},
	{name: "include iterate chain", typ: "Patient", query: "_id=pat-zhang&_include=Patient:organization&_include:iterate=Organization:partof", want: ids("pat-zhang"), inc: ids("org-b", "org-a")},
	{name: "include many targets", typ: "Encounter", query: "_id=enc-2&_include=Encounter:participant:Practitioner", want: ids("enc-2"), inc: ids("prac-wang", "prac-li")},
	{name: "include target already a match", typ: "Organization", query: "_id=org-a,org-b&_include=Organization:partof", want: ids("org-a", "org-b")},
	{name: "revinclude", typ: "Patient", query: "_id=pat-zhang&_revinclude=Observation:subject", want: ids("pat-zhang"), inc: ids("obs-g", "obs-open")},
	{name: "revinclude two", typ: "Patient", query: "_id=pat-zhang&_revinclude=Observation:subject&_revinclude=Condition:subject", want: ids("pat-zhang"), inc: ids("obs-g", "obs-open", "cond-htn")},
	{name: "revinclude iterate", typ: "Patient", query: "_id=pat-zhang&_revinclude=Encounter:subject&_revinclude:iterate=Observation:encounter", want: ids("pat-zhang"), inc: ids("enc-2", "obs-g")},
	{name: "revinclude wildcard", typ: "Patient", query: "_id=pat-zhang&_revinclude=Observation:*", want: ids("pat-zhang"), inc: ids("obs-g", "obs-open")},
	{name: "revinclude several matches", typ: "Patient", query: "gender=male&_revinclude=Condition:patient", want: ids("pat-muller", "pat-zhang", "pat-smythe"), inc: ids("cond-dm", "cond-htn")},
	{name: "revinclude across pages", typ: "Patient", query: "gender=male&_revinclude=Condition:patient&_count=1", want: ids("pat-muller", "pat-zhang", "pat-smythe"), inc: ids("cond-dm", "cond-htn")},
	{name: "include and revinclude", typ: "Encounter", query: "_id=enc-2&_include=Encounter:participant&_revinclude=Observation:encounter", want: ids("enc-2"), inc: ids("prac-wang", "prac-li", "obs-g")},
	{name: "nothing matches nothing included", typ: "Patient", query: "_id=nobody&_revinclude=Observation:subject", want: nil},
}
