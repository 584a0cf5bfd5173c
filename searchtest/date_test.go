package searchtest

// dateCases follow the R4 prefix table (search 3.1.1.4.2): every date is a
// range at its precision, a Period an explicit range whose missing start or
// end is open; eq: the search range contains the target range; ne: it does
// not; gt/lt: the range above/below the search range overlaps the target;
// ge/le: gt/lt or eq; sa/eb: no overlap and the target lies entirely
// above/below; ap: the ranges overlap (or are within a small margin).
// Values without an offset are days of the server's zone, Asia/Shanghai.
var dateCases = []searchCase{
	// birthDate: muller 1980-05-12, zhang 1985, garcia 1990-07, smith 2001-02-03, smythe 1979, anon none.
	{name: "year contains day", typ: "Patient", query: "birthdate=1980", want: ids("pat-muller")},
	{name: "month contains day", typ: "Patient", query: "birthdate=1980-05", want: ids("pat-muller")},
	{name: "day", typ: "Patient", query: "birthdate=1980-05-12", want: ids("pat-muller")},
	{name: "day does not contain year", typ: "Patient", query: "birthdate=1985-06-01", want: nil},
	{name: "eq prefix", typ: "Patient", query: "birthdate=eq1990-07", want: ids("pat-garcia")},
	{name: "ne", typ: "Patient", query: "birthdate=ne1980", want: ids("pat-zhang", "pat-garcia", "pat-smith", "pat-smythe")},
	{name: "gt year", typ: "Patient", query: "birthdate=gt1985", want: ids("pat-garcia", "pat-smith")},
	{name: "ge year", typ: "Patient", query: "birthdate=ge1985", want: ids("pat-zhang", "pat-garcia", "pat-smith")},
	{name: "lt year", typ: "Patient", query: "birthdate=lt1985", want: ids("pat-muller", "pat-smythe")},
	{name: "le year", typ: "Patient", query: "birthdate=le1985", want: ids("pat-muller", "pat-smythe", "pat-zhang")},
	{name: "gt month overlaps a year", typ: "Patient", query: "birthdate=gt1985-06", want: ids("pat-zhang", "pat-garcia", "pat-smith")},
	{name: "lt month overlaps a year", typ: "Patient", query: "birthdate=lt1985-06", want: ids("pat-muller", "pat-smythe", "pat-zhang")},
	{name: "lt day", typ: "Patient", query: "birthdate=lt1980-05-12", want: ids("pat-smythe")},
	{name: "le day", typ: "Patient", query: "birthdate=le1980-05-12", want: ids("pat-smythe", "pat-muller")},
	{name: "sa year", typ: "Patient", query: "birthdate=sa1985", want: ids("pat-garcia", "pat-smith")},
	{name: "eb year", typ: "Patient", query: "birthdate=eb1985", want: ids("pat-muller", "pat-smythe")},
	{name: "sa month", typ: "Patient", query: "birthdate=sa1980-06", want: ids("pat-zhang", "pat-garcia", "pat-smith")},
	{name: "eb month", typ: "Patient", query: "birthdate=eb1980-06", want: ids("pat-muller", "pat-smythe")},
	{name: "sa month inside a year", typ: "Patient", query: "birthdate=sa1985-06", want: ids("pat-garcia", "pat-smith")},
	{name: "eb 1980", typ: "Patient", query: "birthdate=eb1980", want: ids("pat-smythe")},
	{name: "ap overlaps a year", typ: "Patient", query: "birthdate=ap1985-06-01", want: ids("pat-zhang")},
	{name: "ap overlaps a month", typ: "Patient", query: "birthdate=ap1990-07-15", want: ids("pat-garcia")},
	{name: "ge with offset", typ: "Patient", query: "birthdate=ge2001-02-03T00:00:00%2B08:00", want: ids("pat-smith")},
	{name: "birthdate missing", typ: "Patient", query: "birthdate:missing=true", want: ids("pat-anon")},

	// Observation.effective: see fixtures_test.go.
	{name: "day in Shanghai", typ: "Observation", query: "date=2024-03-15", want: ids("obs-mg", "obs-g", "obs-bp")},
	{name: "UTC evening is next Shanghai day", typ: "Observation", query: "date=2024-03-16", want: ids("obs-mmol")},
	{name: "second with Z", typ: "Observation", query: "date=2024-03-15T23:30:00Z", want: ids("obs-mmol")},
	{name: "same second other zone", typ: "Observation", query: "date=2024-03-16T07:30:00%2B08:00", want: ids("obs-mmol")},
	{name: "same second negative zone", typ: "Observation", query: "date=2024-03-15T18:30:00-05:00", want: ids("obs-mmol")},
	{name: "minute", typ: "Observation", query: "date=2024-03-15T10:30%2B08:00", want: ids("obs-mg", "obs-bp")},
	{name: "second", typ: "Observation", query: "date=2024-03-15T10:30:45%2B08:00", want: ids("obs-bp")},
	{name: "second in UTC", typ: "Observation", query: "date=2024-03-15T02:30:00Z", want: ids("obs-mg")},
	{name: "year excludes open period", typ: "Observation", query: "date=2024", want: ids("obs-mg", "obs-g", "obs-mmol", "obs-unit", "obs-bp")},
	{name: "month contains closed period", typ: "Observation", query: "date=2023-12", want: ids("obs-closed")},
	{name: "open start not contained", typ: "Observation", query: "date=2022", want: nil},
	{name: "gt day", typ: "Observation", query: "date=gt2024-03-15", want: ids("obs-mmol", "obs-unit", "obs-open")},
	{name: "ge day", typ: "Observation", query: "date=ge2024-03-16", want: ids("obs-mmol", "obs-unit", "obs-open")},
	{name: "lt day with periods", typ: "Observation", query: "date=lt2024-01-01", want: ids("obs-closed", "obs-nostart")},
	{name: "lt open start", typ: "Observation", query: "date=lt2022-01-01", want: ids("obs-nostart")},
	{name: "gt open end", typ: "Observation", query: "date=gt2030-01-01", want: ids("obs-open")},
	{name: "le second", typ: "Observation", query: "date=le2024-03-15T10:30:00%2B08:00", want: ids("obs-mg", "obs-g", "obs-unit", "obs-open", "obs-closed", "obs-nostart")},
	{name: "sa day", typ: "Observation", query: "date=sa2023-12-31", want: ids("obs-mg", "obs-g", "obs-mmol", "obs-unit", "obs-bp", "obs-open")},
	{name: "eb day", typ: "Observation", query: "date=eb2024-01-01", want: ids("obs-closed", "obs-nostart")},
	{name: "ne day", typ: "Observation", query: "date=ne2024-03-15", want: ids("obs-mmol", "obs-unit", "obs-open", "obs-closed", "obs-nostart")},
	{name: "ap open start", typ: "Observation", query: "date=ap2022-06-30", want: ids("obs-nostart")},
	{name: "date present", typ: "Observation", query: "date:missing=false", want: ids("obs-mg", "obs-g", "obs-mmol", "obs-unit", "obs-open", "obs-closed", "obs-nostart", "obs-bp")},
	{name: "date missing", typ: "Observation", query: "date:missing=true", want: ids("obs-ext", "obs-logical")},

	{name: "encounter day", typ: "Encounter", query: "date=2024-03-15", want: ids("enc-1")},
	{name: "encounter range with open end", typ: "Encounter", query: "date=ge2024-03-12&date=lt2024-03-14", want: ids("enc-2")},
	{name: "encounter range both", typ: "Encounter", query: "date=ge2024-03-15&date=le2024-03-15", want: ids("enc-1", "enc-2")},
	{name: "condition onset year", typ: "Condition", query: "onset-date=2015", want: ids("cond-dm")},
}
