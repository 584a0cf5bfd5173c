package bulk

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Walk calls fn with every input file named by paths, in a deterministic
// order, and stops at the first error fn returns, returning it unchanged.
//
// Each path is taken in the order given. A directory stands for the files
// below it, recursively, in lexical order of their paths (the order of
// filepath.WalkDir), keeping only names that end in .ndjson, .ndjson.gz,
// .json or .json.gz (case-insensitively); symbolic links to such files are
// kept, symbolic links to directories are not followed. Plain lexical order
// is what Synthea output needs: its 0-hospitalInformation… and
// 0-practitionerInformation… files, which patients' Bundles refer to, sort
// before the patients' files whose names start with a UUID or a letter. A
// path naming a file is kept as is, and must have one of the four suffixes.
// A file named twice (by the same cleaned path) is listed once, where it
// first appears.
//
// The whole list is built before fn is first called, so that a path that
// does not exist or cannot be listed fails the walk before any file is
// imported.
func Walk(paths []string, fn func(path string) error) error {
	files, err := expand(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func expand(paths []string) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	keep := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			if formatOf(p) == formatNone {
				return nil, &LineError{File: p, Err: errors.New("unsupported file name: expected .ndjson, .ndjson.gz, .json or .json.gz")}
			}
			keep(p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || formatOf(path) == formatNone {
				return nil
			}
			mode := d.Type()
			if mode&fs.ModeSymlink != 0 {
				target, err := os.Stat(path)
				if err != nil {
					return err
				}
				mode = target.Mode()
			}
			if mode.IsRegular() {
				keep(path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
