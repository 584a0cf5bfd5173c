package searchtest

// compositeCases: a composite value joins its components' values with "$",
// and all components must match within the same element (one
// Observation.component, or the Observation itself) (R4 search 3.1.1.4.9).
var compositeCases = []searchCase{
	{name: "code and quantity", typ: "Observation", query: "code-value-quantity=2339-0$5.4", want: ids("obs-mg", "obs-g", "obs-unit")},
	{name: "code and quantity with units", typ: "Observation", query: "code-value-quantity=http://loinc.org|2339-0$5.4|http://unitsofmeasure.org|mg", want: ids("obs-mg")},
	{name: "code and quantity prefix", typ: "Observation", query: "code-value-quantity=8867-4$gt75", want: ids("obs-closed")},
	{name: "component", typ: "Observation", query: "component-code-value-quantity=8480-6$gt100", want: ids("obs-bp")},
	{name: "component values stay in their component", typ: "Observation", query: "component-code-value-quantity=8462-4$gt100", want: nil},
	{name: "component other value", typ: "Observation", query: "component-code-value-quantity=8480-6$80", want: nil},
	{name: "or", typ: "Observation", query: "component-code-value-quantity=8480-6$80,8462-4$80", want: ids("obs-bp")},
}
