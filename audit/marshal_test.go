package audit

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// strs are strings that stress JSON escaping: HTML characters, quotes,
// controls, multi-byte and invalid UTF-8, U+2028.
var strs = []string{"", "a", "Patient/0197a6f0-1", `say "hi"`, `back\slash`, "<script>&", "tab\tnew\nline\x00\x1f",
	"李雷", "\u2028\u2029", "bad \xff\xfe utf8", "emoji 🙂", "mixed <李> \x7f"}

func randomEntry(r *rand.Rand) Entry {
	s := func() string { return strs[r.IntN(len(strs))] }
	list := func() []string {
		var out []string
		for range r.IntN(4) {
			out = append(out, s())
		}
		return out
	}
	e := Entry{V: r.IntN(3), Time: time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC(), RequestID: s(), Action: s(), Type: s(), Outcome: s(),
		Status: r.IntN(3) * 200, Agent: Agent{Kind: s(), ID: s(), Role: s(), Org: s(), Client: s()}, OnBehalfOf: s(), Purpose: s(),
		BreakGlass: r.IntN(2) == 0, Reason: s(), Source: s(), Patients: list(), Resources: list(), More: r.IntN(3) - 1, Detail: s()}
	if r.IntN(3) == 0 {
		e.Time = e.Time.In(time.FixedZone("CST", 8*3600))
	}
	if r.IntN(4) == 0 {
		e.Patients = []string{} // empty, not nil: omitted too
	}
	return e
}

// TestMarshalMatchesEncodingJSON: the canonical bytes are encoding/json's,
// byte for byte, so entries written before and after appendEntry hash the
// same way.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		e := randomEntry(r)
		want, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Marshal(); !bytes.Equal(got, want) {
			t.Fatalf("entry %+v\n got %s\nwant %s", e, got, want)
		}
	}
}

func FuzzMarshal(f *testing.F) {
	f.Add("read", "Patient/1", "<&>", int64(1764000000123456789), 200, true)
	f.Fuzz(func(t *testing.T, action, resource, detail string, nanos int64, status int, glass bool) {
		e := Entry{V: 1, Time: time.Unix(0, nanos).UTC(), Action: action, Status: status, BreakGlass: glass,
			Agent: Agent{Kind: "user", ID: detail}, Resources: []string{resource, detail}, Detail: detail}
		want, err := json.Marshal(&e)
		if err != nil {
			t.Skip()
		}
		if got := e.Marshal(); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	e := Entry{V: 1, Time: time.Now().UTC(), RequestID: "019abcdef01234567890", Action: "read", Type: "Patient", Outcome: "success", Status: 200,
		Agent: Agent{Kind: "user", ID: "0197a6f0-practitioner", Role: "doctor", Org: "Organization/0197a6f0-hospital"}, Purpose: "TREAT",
		Source: "10.1.2.3", Patients: []string{"0197a6f0-000001"}, Resources: []string{"Patient/0197a6f0-000001"}}
	for b.Loop() {
		e.Marshal()
	}
}

func BenchmarkMarshalEncodingJSON(b *testing.B) {
	e := Entry{V: 1, Time: time.Now().UTC(), RequestID: "019abcdef01234567890", Action: "read", Type: "Patient", Outcome: "success", Status: 200,
		Agent: Agent{Kind: "user", ID: "0197a6f0-practitioner", Role: "doctor", Org: "Organization/0197a6f0-hospital"}, Purpose: "TREAT",
		Source: "10.1.2.3", Patients: []string{"0197a6f0-000001"}, Resources: []string{"Patient/0197a6f0-000001"}}
	for b.Loop() {
		if _, err := json.Marshal(&e); err != nil {
			b.Fatal(err)
		}
	}
}
