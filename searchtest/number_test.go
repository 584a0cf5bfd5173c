package searchtest

// numberCases (RiskAssessment.prediction.probability; ra-80 0.8, ra-75 0.75,
// ra-849 0.849, ra-85 0.85, ra-multi 0.2 and 0.95, ra-none no value): with
// no prefix (or eq, ne) a value stands for the range its significant
// figures imply, 0.8 is [0.75, 0.85); with gt, lt, ge, le, sa and eb the
// precision is ignored (R4 search 3.1.1.4.1). A resource matches when any
// of its values does; one with no value never matches. The cases on the
// bounds of an implied range (0.8 against 0.85) are in knownGaps.
var numberCases = []searchCase{
	{name: "two significant figures", typ: "RiskAssessment", query: "probability=0.80", want: ids("ra-80")},
	{name: "range between values", typ: "RiskAssessment", query: "probability=0.84", want: nil},
	{name: "two decimals", typ: "RiskAssessment", query: "probability=0.85", want: ids("ra-849", "ra-85")},
	{name: "trailing zero adds precision", typ: "RiskAssessment", query: "probability=0.850", want: ids("ra-85")},
	{name: "one of many values", typ: "RiskAssessment", query: "probability=0.95", want: ids("ra-multi")},
	{name: "gt exact", typ: "RiskAssessment", query: "probability=gt0.8", want: ids("ra-849", "ra-85", "ra-multi")},
	{name: "lt exact", typ: "RiskAssessment", query: "probability=lt0.8", want: ids("ra-75", "ra-multi")},
	{name: "ge exact", typ: "RiskAssessment", query: "probability=ge0.8", want: ids("ra-80", "ra-849", "ra-85", "ra-multi")},
	{name: "le exact", typ: "RiskAssessment", query: "probability=le0.8", want: ids("ra-80", "ra-75", "ra-multi")},
	{name: "sa", typ: "RiskAssessment", query: "probability=sa0.85", want: ids("ra-multi")},
	{name: "eb", typ: "RiskAssessment", query: "probability=eb0.75", want: ids("ra-multi")},
	{name: "ap within ten percent", typ: "RiskAssessment", query: "probability=ap0.8", want: ids("ra-80", "ra-75", "ra-849", "ra-85")},
	// Each repetition may be met by a different value: ra-multi has 0.95 > 0.76 and 0.2 < 0.85.
	{name: "and as range", typ: "RiskAssessment", query: "probability=gt0.76&probability=lt0.85", want: ids("ra-80", "ra-849", "ra-multi")},
	{name: "missing", typ: "RiskAssessment", query: "probability:missing=true", want: ids("ra-none")},
	{name: "no match", typ: "RiskAssessment", query: "probability=0.5", want: nil},
}

// quantityCases (Observation value-quantity: obs-mg 5.4 mg, obs-g 5.4 g,
// obs-unit 5.4 with unit "mg" only, obs-mmol 6.3 mmol/L, obs-open 72 /min,
// obs-closed 80 /min): [prefix]value[|system|code]; value||code matches
// Quantity.code or Quantity.unit; with a system both must match; the value
// follows the number rules (R4 search 3.1.1.4.8).
var quantityCases = []searchCase{
	{name: "value only", typ: "Observation", query: "value-quantity=5.4", want: ids("obs-mg", "obs-g", "obs-unit")},
	{name: "value with more precision", typ: "Observation", query: "value-quantity=5.40", want: ids("obs-mg", "obs-g", "obs-unit")},
	{name: "value and code or unit", typ: "Observation", query: "value-quantity=5.4||mg", want: ids("obs-mg", "obs-unit")},
	{name: "value system code", typ: "Observation", query: "value-quantity=5.4|http://unitsofmeasure.org|mg", want: ids("obs-mg")},
	{name: "grams", typ: "Observation", query: "value-quantity=5.4|http://unitsofmeasure.org|g", want: ids("obs-g")},
	{name: "mmol", typ: "Observation", query: "value-quantity=6.3|http://unitsofmeasure.org|mmol/L", want: ids("obs-mmol")},
	{name: "ucum code is case-sensitive", typ: "Observation", query: "value-quantity=5.4|http://unitsofmeasure.org|MG", want: nil},
	{name: "gt", typ: "Observation", query: "value-quantity=gt5.4", want: ids("obs-mmol", "obs-open", "obs-closed")},
	{name: "ge with unit", typ: "Observation", query: "value-quantity=ge5.4||mg", want: ids("obs-mg", "obs-unit")},
	{name: "gt with unit", typ: "Observation", query: "value-quantity=gt5.4||mg", want: nil},
	{name: "lt", typ: "Observation", query: "value-quantity=lt10", want: ids("obs-mg", "obs-g", "obs-unit", "obs-mmol")},
	{name: "le with system", typ: "Observation", query: "value-quantity=le6.3|http://unitsofmeasure.org|mmol/L", want: ids("obs-mmol")},
	{name: "lt with system", typ: "Observation", query: "value-quantity=lt6.3|http://unitsofmeasure.org|mmol/L", want: nil},
	{name: "per minute", typ: "Observation", query: "value-quantity=72|http://unitsofmeasure.org|/min", want: ids("obs-open")},
	{name: "implied precision excludes", typ: "Observation", query: "value-quantity=70|http://unitsofmeasure.org|/min", want: nil},
	{name: "ap", typ: "Observation", query: "value-quantity=ap75||/min", want: ids("obs-open", "obs-closed")},
	{name: "missing", typ: "Observation", query: "value-quantity:missing=true", want: ids("obs-nostart", "obs-bp", "obs-ext", "obs-logical")},
	{name: "component", typ: "Observation", query: "component-value-quantity=120", want: ids("obs-bp")},
	{name: "component gt with unit", typ: "Observation", query: "component-value-quantity=gt100|http://unitsofmeasure.org|mm[Hg]", want: ids("obs-bp")},
	{name: "component ratio", typ: "Observation", query: "component-value-quantity=0.95", want: ids("obs-bp")},
	{name: "component is not value", typ: "Observation", query: "value-quantity=120", want: nil},
}
