package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/yitong-health/yitong/fhir"
)

// EntryLines returns, for each element of the "entry" array of the Bundle
// whose JSON text is raw (an Item's Raw), the 1-based line of raw where that
// entry's "resource" value starts, or 0 for an entry without a resource. For
// an Item read from a JSON file these are line numbers in the file; for an
// Item read from an NDJSON line, add Item.Line-1.
//
// It scans raw again, so an importer calls it only when it has something to
// report about an entry. A raw that is not a JSON object gives an *fhir.Error
// with code structure.
func EntryLines(raw []byte) ([]int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	lc := lineCounter{data: raw, line: 1}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var lines []int
	for dec.More() {
		key, err := nextKey(dec)
		if err != nil {
			return nil, err
		}
		if key != "entry" {
			if err := skipValue(dec); err != nil {
				return nil, err
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return nil, err
		}
		for dec.More() {
			line, err := entryLine(dec, &lc)
			if err != nil {
				return nil, err
			}
			lines = append(lines, line)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return lines, nil
}

// entryLine reads one entry and returns the line of its resource.
func entryLine(dec *json.Decoder, lc *lineCounter) (int, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return 0, err
	}
	line := 0
	for dec.More() {
		key, err := nextKey(dec)
		if err != nil {
			return 0, err
		}
		if key == "resource" {
			line = lc.lineAt(valueStart(lc.data, dec.InputOffset()))
		}
		if err := skipValue(dec); err != nil {
			return 0, err
		}
	}
	return line, expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return structureError(err)
	}
	if tok != want {
		return fhir.Errorf(fhir.IssueStructure, "expected %q at offset %d of the Bundle", rune(want), dec.InputOffset())
	}
	return nil
}

func nextKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", structureError(err)
	}
	key, ok := tok.(string)
	if !ok {
		return "", fhir.Errorf(fhir.IssueStructure, "expected a member name at offset %d of the Bundle", dec.InputOffset())
	}
	return key, nil
}

func skipValue(dec *json.Decoder) error {
	var skip json.RawMessage
	if err := dec.Decode(&skip); err != nil {
		return structureError(err)
	}
	return nil
}

func structureError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fhir.Errorf(fhir.IssueStructure, "the Bundle ends too early")
	}
	return fhir.Errorf(fhir.IssueStructure, "malformed Bundle: %s", err.Error())
}

// valueStart returns the offset of the value that follows the member name
// ending at off: past white space, the colon and white space again.
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCounter converts increasing offsets of data to line numbers in time
// linear in the length of data overall.
type lineCounter struct {
	data []byte
	pos  int64
	line int
}

func (c *lineCounter) lineAt(off int64) int {
	off = min(off, int64(len(c.data)))
	if off > c.pos {
		c.line += bytes.Count(c.data[c.pos:off], []byte("\n"))
		c.pos = off
	}
	return c.line
}
