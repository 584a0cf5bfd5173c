package search

import (
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on hosts without a zoneinfo database
)

// Default limits of Parse. Every limit of ParseOptions left zero takes the
// default below.
const (
	// DefaultMaxCount is the largest _count accepted; a larger one is a
	// too-costly error, never silently reduced.
	DefaultMaxCount = 1000
	// DefaultCount is Query.Count when the request has no _count.
	DefaultCount = 20
	// DefaultMaxParams bounds the parameter occurrences of one request
	// (each repetition of a name counts).
	DefaultMaxParams = 50
	// DefaultMaxValuesPerParam bounds the comma-separated (OR) values of
	// one occurrence, and the names of _sort, _elements and _type.
	DefaultMaxValuesPerParam = 100
	// DefaultMaxChainDepth bounds the links of a chain
	// ("subject:Patient.organization.name" has two) plus the _has levels
	// of a reverse chain.
	DefaultMaxChainDepth = 3
	// DefaultMaxValueLength bounds the bytes of one parameter value and of
	// one parameter name.
	DefaultMaxValueLength = 1024
	// DefaultMaxIncludes bounds _include plus _revinclude occurrences.
	DefaultMaxIncludes = 10
	// DefaultZone is the time zone of dates written without an offset.
	DefaultZone = "Asia/Shanghai"
)

// ParseOptions configures Parse. The zero value is ready to use: the
// default registry, strict handling, the Asia/Shanghai zone and the
// default limits.
type ParseOptions struct {
	// Registry gives the parameters; nil means DefaultRegistry().
	Registry *Registry
	// Lenient is Prefer: handling=lenient: unknown and unsupported
	// parameters, and parameters with an empty value, are recorded in
	// Query.Ignored (names cut to 100 bytes) instead of failing the
	// request. Invalid values and
	// modifiers of known parameters fail under both.
	Lenient bool
	// Zone interprets date values written without an offset; nil means
	// Asia/Shanghai.
	Zone *time.Location
	// Skip lists parameter names the caller handles itself (such as a
	// paging cursor); Parse ignores them without recording them.
	Skip []string

	// Limits; zero means the Default constant of the same name.
	MaxCount          int
	DefaultCount      int
	MaxParams         int
	MaxValuesPerParam int
	MaxChainDepth     int
	MaxValueLength    int
	MaxIncludes       int
}

// withDefaults returns o with every zero field set to its default.
func (o ParseOptions) withDefaults() ParseOptions {
	if o.Registry == nil {
		o.Registry = DefaultRegistry()
	}
	if o.Zone == nil {
		o.Zone = defaultZone()
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxCount, DefaultMaxCount)
	def(&o.DefaultCount, DefaultCount)
	def(&o.MaxParams, DefaultMaxParams)
	def(&o.MaxValuesPerParam, DefaultMaxValuesPerParam)
	def(&o.MaxChainDepth, DefaultMaxChainDepth)
	def(&o.MaxValueLength, DefaultMaxValueLength)
	def(&o.MaxIncludes, DefaultMaxIncludes)
	if o.DefaultCount > o.MaxCount {
		o.DefaultCount = o.MaxCount
	}
	return o
}

// defaultZone loads Asia/Shanghai once. The embedded tzdata makes failure
// impossible in practice; the fixed +08:00 zone is the same offset (China
// has had no daylight saving time since 1991).
var defaultZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
})
