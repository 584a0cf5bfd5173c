package fhir

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

var (
	idMu   sync.Mutex
	idLast int64 // last millisecond used
	idSeq  uint16
)

// NewID returns a new resource id: a time-ordered UUID (version 7, RFC 9562)
// in canonical lowercase form. It holds 48 bits of Unix milliseconds, a
// 12-bit counter that keeps ids from one process strictly increasing within
// a millisecond, and 62 random bits. Ids made close in time sort close
// together, so indexes keyed by id grow at their right edge instead of being
// rewritten all over by every bulk load.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the runtime treats this as fatal anyway
	}
	ms := time.Now().UnixMilli()
	idMu.Lock()
	switch {
	case ms > idLast:
		idLast, idSeq = ms, binary.BigEndian.Uint16(b[6:8])&0x03ff // random start, room to count
	case idSeq < 0x0fff:
		idSeq++
	default:
		idLast++ // counter exhausted: borrow the next millisecond
		idSeq = 0
	}
	ms, seq := idLast, idSeq
	idMu.Unlock()
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | byte(seq>>8)
	b[7] = byte(seq)
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
