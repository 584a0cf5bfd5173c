package bulk

import (
	"math"
	"strconv"
)

// Default limits used when the corresponding field of Limits is zero.
const (
	DefaultMaxLineBytes = 64 << 20 // 64 MiB
	DefaultMaxFileBytes = 1 << 30  // 1 GiB
)

// Item is one FHIR resource read from a file.
type Item struct {
	// File is the path of the file, as given to ReadFile.
	File string
	// Line is the 1-based line where the resource starts: its line in an
	// NDJSON file, the line of its opening brace in a JSON file.
	Line int
	// Resource is the decoded resource (see fhir.Decode); it always has a
	// string resourceType. For a JSON file holding a Bundle it is the whole
	// Bundle: splitting it into entries is the importer's business (see
	// EntryLines for locating its entries).
	Resource map[string]any
	// Raw is the resource's JSON text (without the line terminator and,
	// for the first line of a file, without a UTF-8 byte order mark). For a
	// JSON file it is the whole file, so that line numbers within Raw are
	// line numbers within the file. Raw belongs to the Item: ReadFile never
	// reuses it.
	Raw []byte
}

// LineError is a problem at a given line of an input file.
//
// ReadFile passes one to Limits.OnError for every malformed record (invalid
// JSON, not an object, no resourceType, longer than the limits); the Err of
// those is a *fhir.Error. ReadFile also returns a LineError when reading the
// file fails midway (a corrupt gzip stream for instance), with Line the line
// being read then, or 0 when nothing was read.
type LineError struct {
	File string
	Line int
	Err  error
}

// Error renders the error as FILE:LINE: ERR (FILE: ERR when Line is 0).
func (e *LineError) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Err.Error()
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

// Unwrap returns Err, so that fhir.AsError and errors.Is see through a
// LineError.
func (e *LineError) Unwrap() error { return e.Err }

// Limits bounds what ReadFile accepts and carries its optional hooks. The
// zero value is ready to use.
type Limits struct {
	// MaxLineBytes bounds the length of one NDJSON line, line terminator
	// excluded (0 means DefaultMaxLineBytes). A longer line is reported as
	// malformed and skipped without being held in memory.
	MaxLineBytes int
	// MaxFileBytes bounds the decompressed size of a JSON file, which is read
	// whole (0 means DefaultMaxFileBytes). A larger file is reported as a
	// malformed record at its line 1.
	MaxFileBytes int64
	// MaxDepth bounds the nesting depth of a resource; it is passed to
	// fhir.Decode (0 means that function's default).
	MaxDepth int
	// OnError, when set, receives each malformed record, in file order,
	// interleaved with the calls of ReadFile's fn. Returning nil goes on with
	// the next record; returning an error stops ReadFile, which returns that
	// error unchanged.
	//
	// When OnError is nil, ReadFile still skips malformed records and reads
	// the rest of the file, then returns the malformed records as one error
	// built by errors.Join from the first 100 *LineError values (and, when
	// there were more, one more error that counts the rest); errors.As
	// finds the first *LineError in it.
	OnError func(*LineError) error
	// Progress, when set, is told the bytes read from the file as stored (so
	// compressed bytes for a gzip file), as they are read, by calls of
	// Progress.Add(n, 0). The caller adds the resources it imports itself.
	Progress *Progress
}

func (l Limits) maxLine() int {
	if l.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return l.MaxLineBytes
}

func (l Limits) maxFile() int64 {
	if l.MaxFileBytes <= 0 {
		return DefaultMaxFileBytes
	}
	// Bounded so that the readers' limit plus one and their buffer's
	// spare bytes cannot overflow.
	return min(l.MaxFileBytes, math.MaxInt64/2)
}
