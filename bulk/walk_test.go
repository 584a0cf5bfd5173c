package bulk

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func walkAll(paths []string) ([]string, error) {
	var got []string
	err := Walk(paths, func(p string) error {
		got = append(got, p)
		return nil
	})
	return got, err
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"b/Patient.ndjson", "b/a.json.gz", "0-practitionerInformation1.json", "0-hospitalInformation1.json",
		"Zed.NDJSON", "notes.txt", "c.ndjson.gz", "b/sub/x.json", "a.json.bak", "d.gz",
	} {
		writeFile(t, dir, name, "{}", false)
	}
	if err := os.Symlink(filepath.Join(dir, "c.ndjson.gz"), filepath.Join(dir, "link.ndjson")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "b"), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	extra := writeFile(t, t.TempDir(), "extra.json", "{}", false)

	got, err := walkAll([]string{extra, dir, filepath.Join(dir, "c.ndjson.gz"), dir + "/", extra})
	if err != nil {
		t.Fatal(err)
	}
	rel := func(s string) string {
		if r, err := filepath.Rel(dir, s); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return filepath.Base(s)
	}
	var names []string
	for _, g := range got {
		names = append(names, rel(g))
	}
	want := []string{
		"extra.json",
		"0-hospitalInformation1.json", "0-practitionerInformation1.json", "Zed.NDJSON",
		"b/Patient.ndjson", "b/a.json.gz", "b/sub/x.json", "c.ndjson.gz", "link.ndjson",
	}
	if !slices.Equal(names, want) {
		t.Errorf("got  %q\nwant %q", names, want)
	}
}

func TestWalkErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "a.ndjson", "{}", false)
	called := false
	err := Walk([]string{good, filepath.Join(dir, "missing")}, func(string) error { called = true; return nil })
	if !errors.Is(err, fs.ErrNotExist) || called {
		t.Errorf("missing path: err %v, fn called %v", err, called)
	}
	txt := writeFile(t, dir, "a.txt", "", false)
	if _, err := walkAll([]string{txt}); err == nil || !strings.Contains(err.Error(), "unsupported file name") {
		t.Errorf("unsupported file: %v", err)
	}
	stop := errors.New("stop")
	writeFile(t, dir, "b.ndjson", "{}", false)
	n := 0
	if err := Walk([]string{dir}, func(string) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn error: %v after %d calls", err, n)
	}
	if got, err := walkAll(nil); err != nil || got != nil {
		t.Errorf("no paths: %v, %v", got, err)
	}
}
