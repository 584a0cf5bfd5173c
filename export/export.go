// Package export runs FHIR Bulk Data exports: system level (every current
// resource, optionally of some types and since a time) and Patient level
// (every resource in the Patient compartment of every patient). A job runs in
// the background and writes one NDJSON file per resource type (split every
// MaxPerFile resources) under its folder; the REST layer exposes kick-off,
// status polling, file download and cancellation.
//
// Jobs live in the memory of the node that runs them and their files in its
// data folder; a restart forgets running jobs (a client then gets 404 when it
// polls and starts again).
package export

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/spec"
	"github.com/yitong-health/yitong/store"
)

// Level is the scope of an export.
type Level string

// Levels.
const (
	System  Level = "system"
	Patient Level = "patient"
)

// Request describes an export to start.
type Request struct {
	Level Level
	Types []string  // empty: all types
	Since time.Time // zero: from the beginning
	// RequestURL is echoed in the manifest.
	RequestURL string
	// Admit, when set, decides which resources the caller may receive
	// (the policy's filter: a regulator's region, residents' consent
	// refusals); the others are left out of the files.
	Admit func(ctx context.Context, v store.Version) (bool, error)
}

// File is one output file of a finished job.
type File struct {
	Type  string
	Name  string // file name inside the job folder
	Count int
}

// Job is the state of an export.
type Job struct {
	ID         string
	Request    Request
	Started    time.Time // transactionTime: the export reflects the data as of this instant
	Done       bool
	Err        error
	Files      []File
	Resources  int
	cancel     context.CancelFunc
	done       chan struct{} // closed when the job's goroutine has stopped
	finishedAt time.Time
}

// Manager starts and tracks export jobs.
type Manager struct {
	st         store.Store
	dir        string
	compart    map[string][]string // resource type → search parameters linking it to a patient
	log        *slog.Logger
	MaxPerFile int
	// Retention is how long finished jobs and their files are kept.
	Retention time.Duration

	mu   sync.Mutex
	jobs map[string]*Job
}

// NewManager returns a Manager writing under dir.
func NewManager(st store.Store, dir string, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.Default()
	}
	return &Manager{st: st, dir: dir, compart: spec.PatientCompartmentSearchParams(), log: log, MaxPerFile: 100000, Retention: 24 * time.Hour, jobs: map[string]*Job{}}
}

// ErrNoJob is returned for an unknown job id.
var ErrNoJob = fhir.Errorf(fhir.IssueNotFound, "no such export job (it may have expired or been cancelled)")

// Start starts a job and returns its id.
func (m *Manager) Start(req Request) (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("job id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	if err := os.MkdirAll(filepath.Join(m.dir, id), 0o750); err != nil {
		return "", fmt.Errorf("export folder: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &Job{ID: id, Request: req, Started: time.Now().UTC(), cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.expireLocked()
	m.jobs[id] = j
	m.mu.Unlock()
	go m.run(ctx, j)
	return id, nil
}

// Status returns a snapshot of a job.
func (m *Manager) Status(id string) (Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, ErrNoJob
	}
	out := *j
	out.Files = append([]File(nil), j.Files...)
	return out, nil
}

// Cancel stops a job, waits for it to stop writing and deletes its files.
func (m *Manager) Cancel(id string) error {
	m.mu.Lock()
	j, ok := m.jobs[id]
	delete(m.jobs, id)
	m.mu.Unlock()
	if !ok {
		return ErrNoJob
	}
	j.cancel()
	<-j.done
	return os.RemoveAll(filepath.Join(m.dir, id))
}

// FilePath returns the path of a finished job's output file.
func (m *Manager) FilePath(id, name string) (string, error) {
	j, err := m.Status(id)
	if err != nil {
		return "", err
	}
	for _, f := range j.Files {
		if f.Name == name && j.Done {
			return filepath.Join(m.dir, id, name), nil
		}
	}
	return "", fhir.Errorf(fhir.IssueNotFound, "export job %s has no file %q", id, name)
}

func (m *Manager) expireLocked() {
	for id, j := range m.jobs {
		if j.Done && time.Since(j.finishedAt) > m.Retention {
			delete(m.jobs, id)
			if err := os.RemoveAll(filepath.Join(m.dir, id)); err != nil {
				m.log.Warn("export: remove expired job", "job", id, "error", err.Error())
			}
		}
	}
}

func (m *Manager) run(ctx context.Context, j *Job) {
	defer close(j.done)
	w := &writers{dir: filepath.Join(m.dir, j.ID), max: m.MaxPerFile, files: map[string]*typeFile{}}
	var err error
	switch j.Request.Level {
	case Patient:
		err = m.patientLevel(ctx, j, w)
	default:
		err = m.systemLevel(ctx, j, w)
	}
	err = errors.Join(err, w.close())
	m.mu.Lock()
	defer m.mu.Unlock()
	j.Done, j.Err, j.finishedAt = true, err, time.Now()
	j.Files = w.list()
	j.Resources = w.total
	if err != nil && ctx.Err() == nil {
		m.log.Error("export failed", "job", j.ID, "error", err.Error())
	}
}

const pageSize = 500

// eachCurrent calls fn for every current resource q selects, page by page,
// each page read in its own snapshot.
func (m *Manager) eachCurrent(ctx context.Context, q store.CurrentQuery, fn func(store.Version) error) error {
	q.Count = pageSize
	for {
		var page []store.Version
		if err := m.st.View(ctx, func(tx store.Tx) error {
			var err error
			page, err = tx.ListCurrent(ctx, q)
			return err
		}); err != nil {
			return err
		}
		for _, v := range page {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		q.AfterType, q.AfterID = page[len(page)-1].Type, page[len(page)-1].ID
	}
}

func (m *Manager) systemLevel(ctx context.Context, j *Job, w *writers) error {
	return m.eachCurrent(ctx, store.CurrentQuery{Types: j.Request.Types, Since: j.Request.Since}, func(v store.Version) error {
		if v.LastUpdated.After(j.Started) {
			return nil // written after the export began: not part of it
		}
		if ok, err := j.admits(ctx, v); !ok || err != nil {
			return err
		}
		return w.write(v)
	})
}

func (m *Manager) patientLevel(ctx context.Context, j *Job, w *writers) error {
	want := map[string]bool{}
	for _, t := range j.Request.Types {
		want[t] = true
	}
	keep := func(v store.Version) bool {
		return (len(want) == 0 || want[v.Type]) && !v.LastUpdated.After(j.Started) &&
			(j.Request.Since.IsZero() || !v.LastUpdated.Before(j.Request.Since))
	}
	seen := map[string]bool{}
	return m.eachCurrent(ctx, store.CurrentQuery{Types: []string{"Patient"}}, func(p store.Version) error {
		var related []store.Version
		if err := m.st.View(ctx, func(tx store.Tx) error {
			var err error
			related, err = tx.Referencing(ctx, "Patient", p.ID, m.compart)
			return err
		}); err != nil {
			return err
		}
		for _, v := range append([]store.Version{p}, related...) {
			key := v.Type + "/" + v.ID
			if seen[key] || !keep(v) {
				continue
			}
			seen[key] = true
			if ok, err := j.admits(ctx, v); !ok || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			if err := w.write(v); err != nil {
				return err
			}
		}
		return nil
	})
}

// admits applies the request's Admit.
func (j *Job) admits(ctx context.Context, v store.Version) (bool, error) {
	if j.Request.Admit == nil {
		return true, nil
	}
	return j.Request.Admit(ctx, v)
}

// writers keeps one open NDJSON file per resource type.
type writers struct {
	dir   string
	max   int
	files map[string]*typeFile
	done  []File
	total int
}

type typeFile struct {
	f     *os.File
	bw    *bufio.Writer
	name  string
	count int
	part  int
}

func (w *writers) write(v store.Version) error {
	tf := w.files[v.Type]
	if tf != nil && tf.count >= w.max {
		if err := w.finish(v.Type, tf); err != nil {
			return err
		}
		tf = &typeFile{part: tf.part + 1}
		w.files[v.Type] = tf
	}
	if tf == nil {
		tf = &typeFile{part: 1}
		w.files[v.Type] = tf
	}
	if tf.f == nil {
		tf.name = fmt.Sprintf("%s-%d.ndjson", v.Type, tf.part)
		f, err := os.Create(filepath.Join(w.dir, tf.name))
		if err != nil {
			return fmt.Errorf("export file: %w", err)
		}
		tf.f, tf.bw = f, bufio.NewWriterSize(f, 256<<10)
	}
	if _, err := tf.bw.Write(v.Body); err != nil {
		return fmt.Errorf("export write: %w", err)
	}
	if err := tf.bw.WriteByte('\n'); err != nil {
		return fmt.Errorf("export write: %w", err)
	}
	tf.count++
	w.total++
	return nil
}

func (w *writers) finish(typ string, tf *typeFile) error {
	err := errors.Join(tf.bw.Flush(), tf.f.Sync(), tf.f.Close())
	if err != nil {
		return fmt.Errorf("export file %s: %w", tf.name, err)
	}
	w.done = append(w.done, File{Type: typ, Name: tf.name, Count: tf.count})
	return nil
}

func (w *writers) close() error {
	var errs []error
	for typ, tf := range w.files {
		if tf.f != nil {
			errs = append(errs, w.finish(typ, tf))
		}
	}
	w.files = map[string]*typeFile{}
	return errors.Join(errs...)
}

func (w *writers) list() []File {
	out := append([]File(nil), w.done...)
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}
