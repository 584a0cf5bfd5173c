package audit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Export lines. An export is NDJSON: one "start" line, then the entries in
// tree order, each checkpoint right after the entry that completes its
// tree. It is what the provincial supervision platform receives, and all
// that VerifyExport needs besides the platform's public key.
type exportLine struct {
	Type string `json:"type"` // start, entry, checkpoint

	// start: the tree position the export begins at, the hash algorithm,
	// the checkpoint key, and the roots of the perfect subtrees covering
	// the entries before Begin (none when Begin is 0).
	Begin     *int64 `json:"begin,omitempty"`
	HashAlg   string `json:"hashAlg,omitempty"`
	PublicKey b64    `json:"publicKey,omitempty"`
	Hashes    []b64  `json:"hashes,omitempty"`
	// Rotations are the checkpoint key's rotations, oldest first: the
	// history that names the key of every checkpoint (KeyRotation).
	// PublicKey is the key in force when the export was made.
	Rotations []KeyRotation `json:"rotations,omitempty"`

	// entry: its tree position and its canonical bytes, verbatim.
	Index *int64          `json:"index,omitempty"`
	Entry json.RawMessage `json:"entry,omitempty"`

	// checkpoint.
	Size      *int64 `json:"size,omitempty"`
	Note      string `json:"note,omitempty"`
	Signature b64    `json:"signature,omitempty"`
	KeyID     string `json:"keyId,omitempty"`
}

// b64 is bytes in strict standard base64: a changed padding bit is an
// error, not the same bytes.
type b64 []byte

func (b b64) MarshalJSON() ([]byte, error) {
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

func (b *b64) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	d, err := base64.StdEncoding.Strict().DecodeString(s)
	*b = d
	return err
}

func toB64(hs [][]byte) []b64 {
	out := make([]b64, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

func fromB64(hs []b64) [][]byte {
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

// ExportSummary says what an export holds.
type ExportSummary struct {
	Begin, End  int64 // tree positions [Begin, End)
	Checkpoints int
}

// Export writes the entries of st's audit log from tree position from to
// its end, and the checkpoints over them, to w, from one consistent
// snapshot. Exporting from the End of the previous export continues it.
// Pruned entries (Log.Prune) have no content to export: from 0 begins at
// the pruned mark (the start line carries the subtree roots before it, so
// the export verifies as a continuation), and any other from before the
// mark is an invalid error.
func Export(ctx context.Context, st store.Store, w io.Writer, from int64) (ExportSummary, error) {
	sum := ExportSummary{Begin: from}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := st.View(ctx, func(tx store.Tx) error {
		a := tx.Audit()
		state, err := a.State(ctx)
		if err != nil {
			return err
		}
		if from < 0 || from > state.Size {
			return fmt.Errorf("audit export: position %d is outside the log (size %d)", from, state.Size)
		}
		if from < state.PrunedBefore {
			if from > 0 {
				return fhir.Errorf(fhir.IssueInvalid, "audit export: entries before position %d were pruned under the retention period: an export can begin at %d at the earliest", state.PrunedBefore, state.PrunedBefore)
			}
			// From the start means from the first entry that has content.
			from = state.PrunedBefore
			sum.Begin = from
		}
		k, err := a.Key(ctx, KeyName)
		if err != nil {
			return err
		}
		rots, err := loadRotations(ctx, tx)
		if err != nil {
			return err
		}
		hashes, err := a.Nodes(ctx, toStore(compact.RangeNodes(0, uint64(from), nil)))
		if err != nil {
			return err
		}
		if state.HashAlg == "" {
			state.HashAlg = SM3
		}
		if err := enc.Encode(exportLine{Type: "start", Begin: &from, HashAlg: state.HashAlg, PublicKey: k.PublicKey, Hashes: toB64(hashes), Rotations: rots}); err != nil {
			return err
		}
		cps, err := a.Checkpoints(ctx, from+1, 1<<30)
		if err != nil {
			return err
		}
		next := 0
		for pos := from; pos < state.Size; {
			recs, err := a.Leaves(ctx, pos, 10000)
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				return fmt.Errorf("audit export: entries end at %d, before the tree's size %d", pos, state.Size)
			}
			for _, r := range recs {
				if r.Index >= state.Size {
					break
				}
				i := r.Index
				if err := enc.Encode(exportLine{Type: "entry", Index: &i, Entry: r.Body}); err != nil {
					return err
				}
				for next < len(cps) && cps[next].Size == i+1 {
					c := cps[next]
					if err := enc.Encode(exportLine{Type: "checkpoint", Size: &c.Size, Note: string(c.Note), Signature: c.Signature, KeyID: c.KeyID}); err != nil {
						return err
					}
					next++
					sum.Checkpoints++
				}
				pos = i + 1
			}
		}
		sum.End = state.Size
		return nil
	})
	if err != nil {
		return sum, err
	}
	return sum, bw.Flush()
}

// ExportReport is what VerifyExport checked.
type ExportReport struct {
	Report
	Begin int64
	// Unproven counts the entries after the export's last checkpoint:
	// intact as far as anyone can tell, but not yet covered by a signature.
	Unproven int64
}

// VerifyExport checks an export offline with the platform's public key
// (PKIX DER) alone; it is VerifyExportKeys with one trusted key.
func VerifyExport(r io.Reader, publicKey []byte, witness *Checkpoint) (ExportReport, error) {
	if _, err := ParsePublicKey(publicKey); err != nil {
		return ExportReport{}, err
	}
	return VerifyExportKeys(r, [][]byte{publicKey}, witness)
}

// VerifyExportKeys checks an export offline with trusted public keys
// (PKIX DER) alone: it checks the checkpoint key's rotations the start
// line carries (NewKeySet: each signed by both its keys, one of the chain
// trusted), recomputes the tree from the entries (and, for an export that
// continues an earlier one, the subtree roots its start line gives) and
// checks every checkpoint's signature, by the key in force at its size
// and time, and root hash, and the witness, if given, against the tree.
// It returns a *VerifyError naming the first problem.
func VerifyExportKeys(r io.Reader, trusted [][]byte, witness *Checkpoint) (ExportReport, error) {
	start := time.Now()
	var rep ExportReport
	if len(trusted) == 0 {
		return rep, logErr("no trusted checkpoint key")
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	dec.DisallowUnknownFields()
	var first exportLine
	if err := dec.Decode(&first); err != nil || first.Type != "start" || first.Begin == nil {
		return rep, logErr("the export does not begin with its start line")
	}
	keys, err := NewKeySet(first.PublicKey, first.Rotations, trusted)
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) && len(first.Rotations) == 0 {
			return rep, logErr("the export names another checkpoint key than the trusted one")
		}
		return rep, err
	}
	rep.KeyID, rep.Keys = keys.Current().KeyID, len(keys.Keys())
	h, err := NewHasher(first.HashAlg)
	if err != nil {
		return rep, logErr("%v", err)
	}
	rep.HashAlg, rep.Begin = first.HashAlg, *first.Begin
	// Checkpoints arrive in the stream; the walker checks each when given.
	w, err := newWalker(h, keys, uint64(*first.Begin), fromB64(first.Hashes), nil, witness, &rep.Report)
	if err != nil {
		return rep, err
	}
	w.streaming = true
	w.prev = -1 // the chain is checked from the first checkpoint in the export
	lastProven := *first.Begin
	for {
		var ln exportLine
		err := dec.Decode(&ln)
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, logErr("after tree position %d: %v", w.r.End(), err)
		}
		switch ln.Type {
		case "entry":
			if ln.Index == nil {
				return rep, logErr("an entry line without its index after position %d", w.r.End())
			}
			if err := w.leaf(*ln.Index, ln.Entry, nil, nil, time.Time{}); err != nil {
				return rep, err
			}
		case "checkpoint":
			if ln.Size == nil {
				return rep, logErr("a checkpoint line without its size")
			}
			c := Checkpoint{Size: *ln.Size, Note: []byte(ln.Note), Signature: ln.Signature, KeyID: ln.KeyID}
			n, err := ParseNote(c.Note)
			if err != nil {
				return rep, checkpointErr(c.Size, "%v", err)
			}
			c.Root, c.Time, c.Prev = n.Root, n.Time, n.Prev
			if c.Size != int64(w.r.End()) {
				return rep, checkpointErr(c.Size, "appears after entry %d, not after the entry that completes its tree", int64(w.r.End())-1)
			}
			if w.prev < 0 {
				w.prev = c.Prev
			}
			w.cps, w.next = append(w.cps, c), len(w.cps)
			if err := w.checkpoints(); err != nil {
				return rep, err
			}
			lastProven = c.Size
		default:
			return rep, logErr("unknown line type %q after position %d", ln.Type, w.r.End())
		}
	}
	if err := w.finish(); err != nil {
		return rep, err
	}
	rep.Unproven = rep.Size - lastProven
	rep.Elapsed = time.Since(start)
	return rep, nil
}
