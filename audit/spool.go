package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"syscall"

	"github.com/yitong-health/yitong/store"
)

// The spool is the file where the entries of acts that do not write
// (reads, searches, refusals) are made durable before they are written to
// the store: Run appends what was recorded every FlushEvery and flushes the
// file to disk, then writes to the store every WriteEvery, in larger
// batches. Writing every FlushEvery to the store made each batch small:
// its terms rows landed on as many pages as they had rows, and every
// commit emptied the page caches of the store's readers.
//
// Format: a header line "yitong-audit-spool 1 ID\n", ID naming the spool
// in the store's marks (audit_spools), then records of
//
//	number (8 bytes) | body length (4) | CRC-32C of the two and the body (4) | body
//
// big-endian, body the entry's canonical bytes (Entry.Marshal). Numbers
// rise by one from record to record, also across truncations. The store
// keeps, per spool ID, the number of the last record it wrote, in the
// transaction that wrote it (AuditTx.SetSpoolMark): a record at or below
// the mark is never written twice. A torn record at the end (a crash in
// the middle of an append) fails its checksum and is dropped with
// whatever follows.

const (
	spoolMagic     = "yitong-audit-spool 1 "
	spoolHeaderLen = len(spoolMagic) + 32 + 1 // 16 random bytes in hex, newline
	spoolRecHead   = 16
)

var spoolCRC = crc32.MakeTable(crc32.Castagnoli)

// errSpoolBusy is openSpool's answer when another open file holds the
// spool (another process on the same data folder).
var errSpoolBusy = errors.New("audit: the spool is in use by another process")

// errSpoolUnusable wraps openSpool's failures to create, open or lock the
// file (a read-only folder, a file system without locks).
var errSpoolUnusable = errors.New("audit: the spool cannot be used")

// spool is an open spool file, locked against other processes.
type spool struct {
	f     *os.File
	id    string
	next  int64 // number of the next record appended
	size  int64 // bytes of the header and the whole records in the file
	dirty bool  // records were appended since the last reset
	// broken is set when a failed append could not be cut off: records
	// appended after it would be lost at the next open.
	broken bool
}

// spooled is a recorded entry on its way to the store: n is its spool
// record's number, 0 when it is not in the spool.
type spooled struct {
	rec store.AuditRecord
	n   int64
}

// spoolRecord is a record read back from a spool file.
type spoolRecord struct {
	n    int64
	body []byte
}

// openSpool opens (creating) the spool at path and locks it, and returns
// its valid records; a torn or corrupt tail is cut off. next is set past
// the last record; the caller raises it past the store's mark.
func openSpool(path string) (*spool, []spoolRecord, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errSpoolUnusable, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // the lock's error is the one to report
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, errSpoolBusy
		}
		return nil, nil, fmt.Errorf("%w: lock: %w", errSpoolUnusable, err)
	}
	s, recs, err := readSpool(f)
	if err != nil {
		_ = f.Close() // the read's error is the one to report
		return nil, nil, err
	}
	return s, recs, nil
}

func readSpool(f *os.File) (*spool, []spoolRecord, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: read spool: %w", err)
	}
	s := &spool{f: f, next: 1}
	if len(data) < spoolHeaderLen || !bytes.HasPrefix(data, []byte(spoolMagic)) || data[spoolHeaderLen-1] != '\n' {
		torn := len(data) < spoolHeaderLen && (bytes.HasPrefix(data, []byte(spoolMagic)) || bytes.HasPrefix([]byte(spoolMagic), data))
		if len(data) > 0 && !torn {
			return nil, nil, fmt.Errorf("audit: %s is not an audit spool", f.Name())
		}
		// New, or its header was torn before any record was written.
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return nil, nil, fmt.Errorf("audit: spool id: %w", err)
		}
		s.id = hex.EncodeToString(id[:])
		if err := f.Truncate(0); err != nil {
			return nil, nil, fmt.Errorf("audit: spool: %w", err)
		}
		if _, err := f.WriteString(spoolMagic + s.id + "\n"); err != nil {
			return nil, nil, fmt.Errorf("audit: spool: %w", err)
		}
		if err := f.Sync(); err != nil {
			return nil, nil, fmt.Errorf("audit: spool: %w", err)
		}
		s.size = int64(spoolHeaderLen)
		return s, nil, nil
	}
	s.id = string(data[len(spoolMagic) : spoolHeaderLen-1])
	var recs []spoolRecord
	off := spoolHeaderLen
	for off+spoolRecHead <= len(data) {
		n := int64(binary.BigEndian.Uint64(data[off:]))
		size := int(binary.BigEndian.Uint32(data[off+8:]))
		end := off + spoolRecHead + size
		if end > len(data) || n < s.next || spoolSum(data[off:off+12], data[off+spoolRecHead:end]) != binary.BigEndian.Uint32(data[off+12:]) {
			break
		}
		recs = append(recs, spoolRecord{n: n, body: data[off+spoolRecHead : end]})
		s.next = n + 1
		off = end
	}
	if off < len(data) {
		if err := f.Truncate(int64(off)); err != nil {
			return nil, nil, fmt.Errorf("audit: spool: cut its torn tail: %w", err)
		}
	}
	s.size, s.dirty = int64(off), len(recs) > 0
	return s, recs, nil
}

func spoolSum(head, body []byte) uint32 {
	return crc32.Update(crc32.Checksum(head, spoolCRC), spoolCRC, body)
}

// append writes records for recs, numbering them, and flushes the file to
// disk; it returns the number of the first, 0 when the write failed (then
// none is in the file: a partial write is cut off, or the spool is marked
// broken). A failed flush still returns the first number with its error:
// the records are in the file, and the store must learn that it holds
// them, or the next open would write them again.
func (s *spool) append(recs []store.AuditRecord) (int64, error) {
	size := 0
	for _, r := range recs {
		size += spoolRecHead + len(r.Body)
	}
	buf := make([]byte, 0, size)
	first := s.next
	for i, r := range recs {
		var head [spoolRecHead]byte
		binary.BigEndian.PutUint64(head[:], uint64(first+int64(i)))
		binary.BigEndian.PutUint32(head[8:], uint32(len(r.Body)))
		binary.BigEndian.PutUint32(head[12:], spoolSum(head[:12], r.Body))
		buf = append(append(buf, head[:]...), r.Body...)
	}
	if _, err := s.f.Write(buf); err != nil {
		if terr := s.f.Truncate(s.size); terr != nil {
			s.broken = true
			err = errors.Join(err, terr)
		}
		return 0, fmt.Errorf("audit: spool: %w", err)
	}
	s.next += int64(len(recs))
	s.size += int64(len(buf))
	s.dirty = true
	if err := s.f.Sync(); err != nil {
		return first, fmt.Errorf("audit: spool: %w", err)
	}
	return first, nil
}

// reset empties the spool once the store holds all its records. The
// numbering goes on: a truncation lost in a crash leaves records at or
// below the store's mark, which are skipped.
func (s *spool) reset() error {
	if err := s.f.Truncate(int64(spoolHeaderLen)); err != nil {
		return fmt.Errorf("audit: spool: %w", err)
	}
	s.size, s.dirty = int64(spoolHeaderLen), false
	return nil
}

func (s *spool) close() error { return s.f.Close() }

// recordOf rebuilds the record of a spooled body. The body is the one
// hashed into the tree, unchanged.
func recordOf(h *Hasher, body []byte) (store.AuditRecord, error) {
	e, err := ParseEntry(body)
	if err != nil {
		return store.AuditRecord{}, err
	}
	return e.record(h, body), nil
}

// openSpool opens the spool at path for l and queues its records that the
// store does not hold yet; Open then writes them. Another process holding
// the spool, or a spool that cannot be created, opened or locked, leaves l
// without one (entries then go to the store every FlushEvery, as without a
// spool); a file that is there but cannot be read as a spool is an error.
func (l *Log) openSpool(ctx context.Context, path string) error {
	s, recs, err := openSpool(path)
	switch {
	case errors.Is(err, errSpoolBusy):
		l.cfg.Logger.Info("audit: the spool is held by another process; this one writes recorded entries without it", "spool", path)
		return nil
	case errors.Is(err, errSpoolUnusable):
		l.cfg.Logger.Warn("audit: recorded entries are written without a spool", "spool", path, "error", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	var mark int64
	if err := l.cfg.Store.View(ctx, func(tx store.Tx) error {
		mark, err = tx.Audit().SpoolMark(ctx, s.id)
		return err
	}); err != nil {
		_ = s.close() // the store's error is the one to report
		return err
	}
	for _, r := range recs {
		if r.n <= mark {
			continue
		}
		rec, err := recordOf(l.hasher, r.body)
		if err != nil {
			_ = s.close() // the record's error is the one to report
			return fmt.Errorf("audit: spool record %d: %w", r.n, err)
		}
		l.spooled = append(l.spooled, spooled{rec: rec, n: r.n})
	}
	s.next = max(s.next, mark+1)
	l.spool, l.spoolID = s, s.id
	if len(l.spooled) > 0 {
		l.cfg.Logger.Info("audit: writing entries left in the spool", "entries", len(l.spooled))
	}
	return nil
}
