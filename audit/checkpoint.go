package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Checkpoint is a signed statement of the tree's size and root hash at a
// time. Its note is the signed text, five lines:
//
//	<origin>
//	<tree size, decimal>
//	<root hash, base64>
//	<time, RFC 3339 UTC>
//	prev <tree size of the checkpoint before, 0 for the first>
//
// The last line chains the checkpoints, so that removing one from the
// middle of the list is detected.
//
// in the manner of the C2SP tlog-checkpoint format, and Signature is the
// platform key's signature over the note's bytes (SM2 with SM3 and the
// default user ID, DER encoded; or ECDSA P-256 with SHA-256).
type Checkpoint struct {
	Origin    string
	Size      int64
	Root      []byte
	Time      time.Time
	Prev      int64
	Note      []byte
	Signature []byte
	KeyID     string
}

// note returns the text a checkpoint signs.
func note(origin string, size int64, root []byte, t time.Time, prev int64) []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n%s\nprev %d\n", origin, size, base64.StdEncoding.EncodeToString(root), t.UTC().Format(time.RFC3339Nano), prev)
}

// ParseNote reads a checkpoint's note.
func ParseNote(b []byte) (Checkpoint, error) {
	c := Checkpoint{Note: b}
	lines := strings.Split(string(b), "\n")
	if len(lines) != 6 || lines[5] != "" {
		return c, fmt.Errorf("audit: checkpoint note: want 5 lines, got %q", b)
	}
	c.Origin = lines[0]
	var err error
	if c.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || c.Size < 0 {
		return c, fmt.Errorf("audit: checkpoint note: bad tree size %q", lines[1])
	}
	if c.Root, err = base64.StdEncoding.Strict().DecodeString(lines[2]); err != nil {
		return c, fmt.Errorf("audit: checkpoint note: bad root hash %q", lines[2])
	}
	if c.Time, err = time.Parse(time.RFC3339Nano, lines[3]); err != nil {
		return c, fmt.Errorf("audit: checkpoint note: bad time %q", lines[3])
	}
	prev, ok := strings.CutPrefix(lines[4], "prev ")
	if c.Prev, err = strconv.ParseInt(prev, 10, 64); !ok || err != nil || c.Prev < 0 || c.Prev >= max(c.Size, 1) {
		return c, fmt.Errorf("audit: checkpoint note: bad previous size %q", lines[4])
	}
	if !bytes.Equal(note(c.Origin, c.Size, c.Root, c.Time, c.Prev), b) {
		return c, fmt.Errorf("audit: checkpoint note is not in canonical form: %q", b)
	}
	return c, nil
}

// VerifyCheckpoint checks c's signature with v and that its fields say
// what its note says.
func VerifyCheckpoint(v *Verifier, c Checkpoint) error {
	if !v.Verify(c.Note, c.Signature) {
		return fmt.Errorf("audit: checkpoint of size %d: signature does not verify with key %s", c.Size, v.KeyID)
	}
	n, err := ParseNote(c.Note)
	if err != nil {
		return err
	}
	if n.Size != c.Size || !bytes.Equal(n.Root, c.Root) || !n.Time.Equal(c.Time) || (c.Origin != "" && n.Origin != c.Origin) {
		return fmt.Errorf("audit: checkpoint of size %d: its fields differ from its signed note", c.Size)
	}
	if c.KeyID != "" && c.KeyID != v.KeyID {
		return fmt.Errorf("audit: checkpoint of size %d: signed by key %s, not %s", c.Size, c.KeyID, v.KeyID)
	}
	c.Prev = n.Prev
	return nil
}

// witnessFile is a checkpoint as kept outside the platform.
type witnessFile struct {
	Note      string `json:"note"`
	Signature b64    `json:"signature"`
	KeyID     string `json:"keyId"`
}

// MarshalWitness encodes a checkpoint for keeping outside the platform (a
// file the supervision platform or an auditor holds); VerifyOptions.Witness
// takes it back through ParseWitness.
func MarshalWitness(c Checkpoint) []byte {
	b, err := json.MarshalIndent(witnessFile{Note: string(c.Note), Signature: c.Signature, KeyID: c.KeyID}, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("audit: marshal witness: %v", err)) // strings and bytes only
	}
	return append(b, '\n')
}

// ParseWitness decodes MarshalWitness's encoding. The signature is not
// checked here: verification does it with the trusted key.
func ParseWitness(b []byte) (Checkpoint, error) {
	var w witnessFile
	if err := json.Unmarshal(b, &w); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: witness: %w", err)
	}
	c, err := ParseNote([]byte(w.Note))
	if err != nil {
		return Checkpoint{}, err
	}
	c.Signature, c.KeyID = w.Signature, w.KeyID
	return c, nil
}
