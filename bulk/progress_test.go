package bulk

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a manual clock for Progress.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestProgressTTY(t *testing.T) {
	c := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	p := newProgress(&out, 2<<20, true, c.now)

	p.Add(1<<20, 1000) // first Add draws at once
	first := out.String()
	if first != "\r 50.0%  1.0 MiB of 2.0 MiB  1,000 resources  0/s  0s" {
		t.Errorf("first line %q", first)
	}
	c.advance(50 * time.Millisecond)
	p.Add(1, 1) // too soon
	if out.String() != first {
		t.Errorf("redrawn within 100ms: %q", out.String())
	}
	c.advance(2 * time.Second)
	p.Add(1<<20, 999)
	if got := strings.TrimPrefix(out.String(), first); got != "\r100.0%  2.0 MiB of 2.0 MiB  2,000 resources  975/s  2s" {
		t.Errorf("second line %q", got)
	}
	p.Done()
	if !strings.HasSuffix(out.String(), "2s\n") || strings.Count(out.String(), "\r") != 3 {
		t.Errorf("after Done %q", out.String())
	}
	n := out.Len()
	p.Done()
	p.Add(5, 5)
	if out.Len() != n {
		t.Errorf("output after Done")
	}
}

func TestProgressTTYClearsLongerLine(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	var out bytes.Buffer
	p := newProgress(&out, 0, true, c.now)
	c.advance(time.Second)
	p.Add(5<<30, 123456789)
	c.advance(time.Hour) // the rate drops from 123,456,789/s to 34,284/s
	p.Done()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\r")[1:]
	if len(lines) != 2 || len(lines[1]) != len(lines[0]) || !strings.HasSuffix(lines[1], "34,284/s  1h0m1s ") {
		t.Errorf("lines %q", lines)
	}
}

func TestProgressLog(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	var out bytes.Buffer
	p := newProgress(&out, 1000, false, c.now)
	for range 4 {
		c.advance(time.Second)
		p.Add(100, 10)
	}
	if out.Len() != 0 {
		t.Errorf("a log line before 5s: %q", out.String())
	}
	c.advance(time.Second)
	p.Add(100, 10)
	c.advance(time.Second)
	p.Add(100, 10)
	p.Done()
	want := " 50.0%  500 B of 1000 B  50 resources  10/s  5s\n 60.0%  600 B of 1000 B  60 resources  10/s  6s\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(b []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

func TestProgressWriteError(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	w := &failingWriter{}
	p := newProgress(w, 0, true, c.now)
	p.Add(1, 1)
	c.advance(time.Second)
	p.Add(1, 1)
	p.Done()
	if p.Err() == nil || w.n != 1 {
		t.Errorf("err %v after %d writes", p.Err(), w.n)
	}
}

func TestProgressConcurrent(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, 1<<30, true)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				p.Add(10, 1)
			}
		})
	}
	wg.Wait()
	p.Done()
	if p.resources != 8000 || p.bytes != 80000 || p.Err() != nil {
		t.Errorf("resources %d bytes %d err %v", p.resources, p.bytes, p.Err())
	}
	if !strings.Contains(out.String(), "8,000 resources") {
		t.Errorf("final line missing: %q", out.String())
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB", 5000 << 40: "5000.0 TiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || IsTerminal(nil) {
		t.Error("a regular file or nil is a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if IsTerminal(w) {
		t.Error("a pipe is a terminal")
	}
}
