package fhirpath

import (
	"github.com/yitong-health/yitong/fhir/spec"
)

// Node is one item of a result collection.
type Node struct {
	// Value is the item: for values read from a resource the JSON value
	// (map[string]any for complex types and resources, string, bool or
	// json.Number for FHIR primitives, nil for a primitive that has only an
	// extension); for values computed by the engine or written as literals
	// one of string, bool, int64, Decimal, Date, DateTime, Time or Quantity.
	Value any
	// Type is the FHIR type name when known from the model ("Coding",
	// "date", "Patient", "Observation.component"), "System.X" for System
	// values, or "" when the model does not know the element.
	Type string
	// Ext is the primitive element's extension object (the "_name" sibling:
	// id and extension), or nil.
	Ext map[string]any

	def *spec.Type    // the spec type behind Type, when known
	el  *spec.Element // the element the value was read from, when known
}

// Element returns the definition of the element n was read from, such as
// Patient.gender for the value of Patient.gender: nil for a resource, a
// computed or literal value, or content the model does not describe.
// Functions that select items (where, ofType, first, ...) keep it.
func (n Node) Element() *spec.Element { return n.el }

// HasValue reports whether n carries a value (a primitive that has only an
// extension does not).
func (n Node) HasValue() bool { return n.Value != nil }

// Quantity is a System.Quantity: a decimal value with a UCUM unit or a
// calendar duration keyword ("year", "days", ...).
type Quantity struct {
	Value Decimal
	Unit  string
}

// String formats q as a FHIRPath quantity literal: 5.4 'mg', 2 days.
func (q Quantity) String() string {
	if isCalendarUnit(q.Unit) {
		return q.Value.String() + " " + q.Unit
	}
	return q.Value.String() + " '" + q.Unit + "'"
}

// System type names.
const (
	typeString   = "System.String"
	typeBoolean  = "System.Boolean"
	typeInteger  = "System.Integer"
	typeDecimal  = "System.Decimal"
	typeDate     = "System.Date"
	typeDateTime = "System.DateTime"
	typeTime     = "System.Time"
	typeQuantity = "System.Quantity"
)

func strNode(s string) Node        { return Node{Value: s, Type: typeString} }
func boolNode(b bool) Node         { return Node{Value: b, Type: typeBoolean} }
func intNode(i int64) Node         { return Node{Value: i, Type: typeInteger} }
func decNode(d Decimal) Node       { return Node{Value: d, Type: typeDecimal} }
func qtyNode(q Quantity) Node      { return Node{Value: q, Type: typeQuantity} }
func dateNode(d Date) Node         { return Node{Value: d, Type: typeDate} }
func dtNode(d DateTime) Node       { return Node{Value: d, Type: typeDateTime} }
func timeNode(t Time) Node         { return Node{Value: t, Type: typeTime} }
func strColl(s string) []Node      { return []Node{strNode(s)} }
func intColl(i int64) []Node       { return []Node{intNode(i)} }
func isCalendarUnit(u string) bool { _, ok := calendarUnits[u]; return ok }

// calendarUnits maps the FHIRPath calendar duration keywords to their
// singular form.
var calendarUnits = map[string]string{
	"year": "year", "years": "year", "month": "month", "months": "month",
	"week": "week", "weeks": "week", "day": "day", "days": "day",
	"hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute",
	"second": "second", "seconds": "second", "millisecond": "millisecond", "milliseconds": "millisecond",
}

// boolColl returns a shared, read-only one-item collection.
func boolColl(b bool) []Node {
	if b {
		return trueColl
	}
	return falseColl
}

var (
	trueColl  = []Node{boolNode(true)}[:1:1]
	falseColl = []Node{boolNode(false)}[:1:1]
)
