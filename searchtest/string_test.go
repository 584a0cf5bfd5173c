package searchtest

// stringCases: a string value matches a field that equals or starts with it
// after both are normalised for case and accents (R4 search 3.1.1.4.5);
// :exact is a whole, case- and accent-sensitive match; :contains matches
// anywhere; :missing tests presence. HumanName and Address parameters look
// at every string part (family, given, text; line, city, postalCode, …).
var stringCases = []searchCase{
	{name: "accent-insensitive", typ: "Patient", query: "name=muller", want: ids("pat-muller")},
	{name: "case-insensitive", typ: "Patient", query: "name=M%C3%9CLLER", want: ids("pat-muller")},
	{name: "prefix", typ: "Patient", query: "name=M%C3%BCl", want: ids("pat-muller")},
	{name: "given with umlaut", typ: "Patient", query: "name=jur", want: ids("pat-muller")},
	{name: "chinese family", typ: "Patient", query: "name=张", want: ids("pat-zhang")},
	{name: "chinese text", typ: "Patient", query: "name=张三", want: ids("pat-zhang")},
	{name: "chinese given", typ: "Patient", query: "name=三", want: ids("pat-zhang")},
	{name: "two starts", typ: "Patient", query: "name=sm", want: ids("pat-smith", "pat-smythe")},
	{name: "one start", typ: "Patient", query: "name=smi", want: ids("pat-smith")},
	{name: "accented value", typ: "Patient", query: "name=GARC%C3%8DA", want: ids("pat-garcia")},
	{name: "given jo", typ: "Patient", query: "name=jo", want: ids("pat-smith", "pat-smythe")},
	{name: "not a start", typ: "Patient", query: "name=ller", want: nil},
	{name: "no such name", typ: "Patient", query: "name=xyz", want: nil},
	{name: "family", typ: "Patient", query: "family=smith", want: ids("pat-smith")},
	{name: "given", typ: "Patient", query: "given=jo", want: ids("pat-smith", "pat-smythe")},
	{name: "given chinese", typ: "Patient", query: "given=三", want: ids("pat-zhang")},

	{name: "exact", typ: "Patient", query: "name:exact=M%C3%BCller", want: ids("pat-muller")},
	{name: "exact is case-sensitive", typ: "Patient", query: "name:exact=m%C3%BCller", want: nil},
	{name: "exact is accent-sensitive", typ: "Patient", query: "name:exact=Muller", want: nil},
	{name: "exact is whole", typ: "Patient", query: "name:exact=M%C3%BCl", want: nil},
	{name: "exact chinese text", typ: "Patient", query: "name:exact=张三", want: ids("pat-zhang")},
	{name: "exact family accent", typ: "Patient", query: "family:exact=Garc%C3%ADa", want: ids("pat-garcia")},
	{name: "exact family unaccented", typ: "Patient", query: "family:exact=Garcia", want: nil},

	{name: "contains middle", typ: "Patient", query: "name:contains=ller", want: ids("pat-muller")},
	{name: "contains case", typ: "Patient", query: "name:contains=LLER", want: ids("pat-muller")},
	{name: "contains accent", typ: "Patient", query: "name:contains=arc", want: ids("pat-garcia")},
	{name: "contains chinese", typ: "Patient", query: "name:contains=三", want: ids("pat-zhang")},
	{name: "contains yth", typ: "Patient", query: "name:contains=yth", want: ids("pat-smythe")},
	{name: "contains address", typ: "Patient", query: "address:contains=ring", want: ids("pat-smith")},

	{name: "missing name", typ: "Patient", query: "name:missing=true", want: ids("pat-anon")},
	{name: "present name", typ: "Patient", query: "name:missing=false", want: ids("pat-muller", "pat-zhang", "pat-garcia", "pat-smith", "pat-smythe")},
	{name: "missing family", typ: "Patient", query: "family:missing=true", want: ids("pat-anon")},
	{name: "missing city", typ: "Patient", query: "address-city:missing=true", want: ids("pat-smythe", "pat-anon")},

	{name: "address city", typ: "Patient", query: "address=berlin", want: ids("pat-muller")},
	{name: "address line", typ: "Patient", query: "address=haupt", want: ids("pat-muller")},
	{name: "address-city chinese prefix", typ: "Patient", query: "address-city=北京", want: ids("pat-zhang")},
	{name: "address-city", typ: "Patient", query: "address-city=sevilla", want: ids("pat-garcia")},
	{name: "address-city exact", typ: "Patient", query: "address-city:exact=Sevilla", want: ids("pat-garcia")},
	{name: "address-city exact case", typ: "Patient", query: "address-city:exact=sevilla", want: nil},
	{name: "postalcode prefix", typ: "Patient", query: "address-postalcode=41", want: ids("pat-garcia")},
	{name: "country case", typ: "Patient", query: "address-country=es", want: ids("pat-garcia")},

	{name: "organization accent", typ: "Organization", query: "name=hopital", want: ids("org-a")},
	{name: "organization with space", typ: "Organization", query: "name=h%C3%B4pital%20saint", want: ids("org-a")},
	{name: "organization word inside", typ: "Organization", query: "name=saint", want: nil},
	{name: "organization contains", typ: "Organization", query: "name:contains=saint", want: ids("org-a")},
	{name: "practitioner chinese", typ: "Practitioner", query: "name=李", want: ids("prac-li")},
	{name: "practitioner family", typ: "Practitioner", query: "family=wang", want: ids("prac-wang")},
}
