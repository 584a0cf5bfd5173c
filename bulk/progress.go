package bulk

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How often Progress writes at most.
const (
	ttyInterval = 100 * time.Millisecond // redraws of the terminal line
	logInterval = 5 * time.Second        // lines in a log
)

// Progress reports the progress of an import on one line of text: the
// percentage of the total bytes read (when the total is known), the bytes,
// the resources imported, resources per second and the elapsed time, e.g.
//
//	42.1%  210.5 MiB of 500.0 MiB  123,456 resources  4,567/s  27s
//
// On a terminal it redraws that line in place (with a carriage return) at
// most about ten times a second; elsewhere it writes it as a new line at most
// every five seconds. Done writes the final state. A Progress is safe for
// concurrent use.
//
// The first error from writing to w stops all later output; Err returns it.
type Progress struct {
	mu        sync.Mutex
	w         io.Writer
	total     int64
	tty       bool
	now       func() time.Time
	start     time.Time
	last      time.Time // when a line was last written
	bytes     int64
	resources int64
	width     int // length of the line last drawn on a terminal
	done      bool
	err       error
}

// NewProgress returns a Progress that writes to w and counts the time from
// now. totalBytes is the sum of the sizes of the input files as stored (0 or
// less when unknown: no percentage is shown); isTTY chooses between the
// terminal and the log behaviour (see IsTerminal).
func NewProgress(w io.Writer, totalBytes int64, isTTY bool) *Progress {
	return newProgress(w, totalBytes, isTTY, time.Now)
}

func newProgress(w io.Writer, totalBytes int64, isTTY bool, now func() time.Time) *Progress {
	start := now()
	p := &Progress{w: w, total: totalBytes, tty: isTTY, now: now, start: start}
	if !isTTY {
		p.last = start // the first log line comes after logInterval
	}
	return p
}

// Add counts bytes more bytes read and resources more resources imported,
// and writes the progress line if it is due. Calls after Done still count
// but write nothing.
func (p *Progress) Add(bytes int64, resources int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += bytes
	p.resources += int64(resources)
	if p.done {
		return
	}
	interval := logInterval
	if p.tty {
		interval = ttyInterval
	}
	if now := p.now(); p.last.IsZero() || now.Sub(p.last) >= interval {
		p.write(now, false)
	}
}

// Done writes the final progress line (ending a terminal line with a line
// feed). Later calls do nothing.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	p.write(p.now(), true)
}

// Err returns the first error met writing to w, if any.
func (p *Progress) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// write writes the progress line at time now; p.mu is held.
func (p *Progress) write(now time.Time, final bool) {
	p.last = now
	if p.err != nil {
		return
	}
	line := p.line(now)
	var out string
	if p.tty {
		out = "\r" + line + strings.Repeat(" ", max(0, p.width-len(line)))
		p.width = len(line)
		if final {
			out += "\n"
		}
	} else {
		out = line + "\n"
	}
	if _, err := io.WriteString(p.w, out); err != nil {
		p.err = err
	}
}

// line renders the state at time now.
func (p *Progress) line(now time.Time) string {
	elapsed := max(0, now.Sub(p.start))
	var b strings.Builder
	if p.total > 0 {
		pct := 100 * float64(min(p.bytes, p.total)) / float64(p.total)
		fmt.Fprintf(&b, "%5.1f%%  %s of %s  ", pct, formatBytes(p.bytes), formatBytes(p.total))
	} else {
		b.WriteString(formatBytes(p.bytes) + "  ")
	}
	rate := int64(0)
	if secs := elapsed.Seconds(); secs > 0 {
		rate = int64(float64(p.resources) / secs)
	}
	noun := "resources"
	if p.resources == 1 {
		noun = "resource"
	}
	fmt.Fprintf(&b, "%s %s  %s/s  %s", groupDigits(p.resources), noun, groupDigits(rate), elapsed.Truncate(time.Second))
	return b.String()
}

// formatBytes renders n in binary units with one decimal.
func formatBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1024 || unit == "TiB" {
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + unit
		}
	}
	return strconv.FormatInt(n, 10) + " B" // unreachable
}

// groupDigits renders n with commas between groups of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// IsTerminal reports whether f is a terminal, judged by the standard library
// alone: f is a character device. Other character devices (/dev/null) pass
// too, which only means that progress drawn for a terminal goes there.
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
