package bulk

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/yitong-health/yitong/fhir"
)

// format is the layout of an input file, known from its name.
type format int

const (
	formatNone   format = iota
	formatNDJSON        // one resource per line
	formatJSON          // one resource (often a Bundle) in the whole file
)

// formatOf returns the format of a file from its name: .ndjson or .json,
// optionally followed by .gz, compared case-insensitively.
func formatOf(name string) format {
	lower := strings.ToLower(filepath.Base(name))
	lower = strings.TrimSuffix(lower, ".gz")
	switch {
	case strings.HasSuffix(lower, ".ndjson"):
		return formatNDJSON
	case strings.HasSuffix(lower, ".json"):
		return formatJSON
	}
	return formatNone
}

// maxCollected is how many malformed records ReadFile keeps for its returned
// error when Limits.OnError is nil.
const maxCollected = 100

var (
	gzipMagic = []byte{0x1f, 0x8b}
	utf8BOM   = []byte{0xef, 0xbb, 0xbf}
)

// ReadFile reads the FHIR resources of the file at path and calls fn with
// each, in file order.
//
// The format comes from the name: a name ending in .ndjson or .ndjson.gz
// is NDJSON, one resource per line (blank lines are skipped), streamed line
// by line whatever the file's size; a name ending in .json or .json.gz holds
// one resource, often a Bundle, read whole and passed as one Item. Any other
// name is an error. Whether the content is gzip-compressed is decided by its
// first bytes, not by the name, and concatenated gzip members are read as one
// stream. A UTF-8 byte order mark at the start is ignored, and so is a CR
// before a line feed.
//
// A malformed record (invalid JSON, not an object, no resourceType, over the
// limits) is skipped, reported as a *LineError with its file and line (see
// Limits.OnError for where it goes), and the rest of the file is read.
//
// ReadFile stops at the first error returned by fn or Limits.OnError and
// returns it unchanged (when Limits.OnError is nil and malformed records were
// collected, joined before them). It also stops when the file cannot be read
// (it does not exist, or a gzip stream is corrupt); the error then is a
// *LineError, or from os.Open.
func ReadFile(path string, limits Limits, fn func(Item) error) (err error) {
	f := formatOf(path)
	if f == formatNone {
		return &LineError{File: path, Err: errors.New("unsupported file name: expected .ndjson, .ndjson.gz, .json or .json.gz")}
	}
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := file.Close(); cerr != nil && err == nil {
			err = &LineError{File: path, Err: cerr}
		}
	}()
	var src io.Reader = file
	if limits.Progress != nil {
		src = &countingReader{r: file, p: limits.Progress}
	}
	r := bufio.NewReaderSize(src, 64<<10)
	gzipped := false
	if magic, err := r.Peek(len(gzipMagic)); err == nil && bytes.Equal(magic, gzipMagic) {
		gzipped = true
		zr, err := gzip.NewReader(r)
		if err != nil {
			return &LineError{File: path, Err: err}
		}
		r = bufio.NewReaderSize(gzipErrors{zr}, 64<<10)
	} else if err != nil && err != io.EOF {
		return &LineError{File: path, Err: err}
	}
	rep := &reporter{file: path, onError: limits.OnError}
	if f == formatNDJSON {
		err = readNDJSON(path, r, limits, fn, rep)
	} else {
		err = readJSON(path, r, sizeHint(file, gzipped), limits, fn, rep)
	}
	return rep.finish(err)
}

// sizeHint guesses the size of file's content: its length, or for a gzip
// file the uncompressed length its trailer records (ISIZE, RFC 1952; of the
// last member only, modulo 4 GiB), at most 32 times the compressed length
// so that a forged trailer cannot ask for a large buffer (JSON compresses
// about 13 to 1). 0 when unknown. It is only a hint for the first buffer:
// a wrong guess costs a reallocation, nothing else.
func sizeHint(file *os.File, gzipped bool) int64 {
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	if !gzipped {
		return st.Size()
	}
	var trailer [4]byte
	if st.Size() < 18 {
		return 0
	}
	if _, err := file.ReadAt(trailer[:], st.Size()-4); err != nil {
		return 0
	}
	return min(int64(binary.LittleEndian.Uint32(trailer[:])), 32*st.Size())
}

// readNDJSON streams the lines of r.
func readNDJSON(path string, r *bufio.Reader, limits Limits, fn func(Item) error, rep *reporter) error {
	maxLine := limits.maxLine()
	var buf []byte
	for line := 1; ; line++ {
		buf = buf[:0]
		tooLong := false
		var readErr error
		for {
			chunk, err := r.ReadSlice('\n')
			if !tooLong {
				// +2 leaves room for the CR LF that are trimmed below.
				if len(buf)+len(chunk) > maxLine+2 {
					tooLong = true
				} else {
					buf = append(buf, chunk...)
				}
			}
			if err != bufio.ErrBufferFull {
				readErr = err
				break
			}
		}
		if readErr != nil && readErr != io.EOF {
			return &LineError{File: path, Line: line, Err: readErr}
		}
		text := bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		if line == 1 {
			text = bytes.TrimPrefix(text, utf8BOM)
		}
		var err error
		switch {
		case tooLong || len(text) > maxLine:
			err = rep.report(line, fhir.Errorf(fhir.IssueTooLong, "the line is longer than the limit of %d bytes", maxLine))
		case isBlank(text):
		default:
			err = emit(path, line, bytes.Clone(text), limits, fn, rep)
		}
		if err != nil {
			return err
		}
		if readErr == io.EOF {
			return nil
		}
	}
}

// readJSON reads r whole as one resource.
func readJSON(path string, r io.Reader, size int64, limits Limits, fn func(Item) error, rep *reporter) error {
	maxFile := limits.maxFile()
	// Sized to the content when the hint is right (ReadFrom wants MinRead
	// spare bytes to see the end), instead of growing by doubling.
	buf := bytes.NewBuffer(make([]byte, 0, min(max(size, 0), maxFile+1)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(r, maxFile+1)); err != nil {
		return &LineError{File: path, Err: err}
	}
	data := buf.Bytes()
	if int64(len(data)) > maxFile {
		return rep.report(1, fhir.Errorf(fhir.IssueTooLong, "the file is larger than the limit of %d bytes", maxFile))
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if isBlank(data) {
		return rep.report(1, fhir.Errorf(fhir.IssueStructure, "the file is empty"))
	}
	start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	line := 1 + bytes.Count(data[:start], []byte("\n"))
	return emit(path, line, data, limits, fn, rep)
}

// emit decodes raw and passes it to fn, or reports it as malformed.
func emit(path string, line int, raw []byte, limits Limits, fn func(Item) error, rep *reporter) error {
	res, err := fhir.Decode(raw, limits.MaxDepth)
	if err != nil {
		return rep.report(line, err)
	}
	if rt, ok := res["resourceType"].(string); !ok || rt == "" {
		return rep.report(line, fhir.Errorf(fhir.IssueRequired, "the JSON object has no resourceType"))
	}
	return fn(Item{File: path, Line: line, Resource: res, Raw: raw})
}

func isBlank(b []byte) bool {
	return len(bytes.TrimLeft(b, " \t\r\n")) == 0
}

// reporter routes malformed records to Limits.OnError or collects them.
type reporter struct {
	file      string
	onError   func(*LineError) error
	collected []error
	count     int
}

func (r *reporter) report(line int, err error) error {
	le := &LineError{File: r.file, Line: line, Err: err}
	if r.onError != nil {
		return r.onError(le)
	}
	r.count++
	if len(r.collected) < maxCollected {
		r.collected = append(r.collected, le)
	}
	return nil
}

// finish returns the error ReadFile returns: stop (the error that stopped
// reading, if any) followed by the collected malformed records.
func (r *reporter) finish(stop error) error {
	if r.count == 0 {
		return stop
	}
	errs := make([]error, 0, len(r.collected)+2)
	if stop != nil {
		errs = append(errs, stop)
	}
	errs = append(errs, r.collected...)
	if more := r.count - len(r.collected); more > 0 {
		errs = append(errs, fmt.Errorf("%s: %d more malformed records", r.file, more))
	}
	return errors.Join(errs...)
}

// countingReader tells a Progress how many bytes it reads.
type countingReader struct {
	r io.Reader
	p *Progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.p.Add(int64(n), 0)
	}
	return n, err
}

// gzipErrors marks the errors of a gzip stream as such ("unexpected EOF"
// alone would not tell that the compressed data is truncated).
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	if err != nil && err != io.EOF && !strings.HasPrefix(err.Error(), "gzip: ") {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}
