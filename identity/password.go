package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters of new password hashes
// (OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane). Stored hashes
// keep the parameters they were made with.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is used for new password hashes.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Password length limits (characters).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// CheckPasswordPolicy says what is wrong with a new password, or nil: at
// least MinPasswordLen characters with a letter and a digit, at most
// MaxPasswordLen. The returned error is a message key of the catalogue.
func CheckPasswordPolicy(pw string) error {
	n := len([]rune(pw))
	var letter, digit bool
	for _, r := range pw {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if n < MinPasswordLen || n > MaxPasswordLen || !letter || !digit {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword returns pw's argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	p := DefaultArgon2
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-format hash, in time
// that does not depend on where they differ.
func CheckPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("identity: not an argon2id hash")
	}
	var v int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("identity: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("identity: bad argon2 parameters: %w", err)
	}
	if p.MemoryKiB > 1<<21 || p.Time > 16 || p.Threads == 0 {
		return false, errors.New("identity: argon2 parameters out of range")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err := errors.Join(err1, err2); err != nil || len(want) == 0 {
		return false, errors.New("identity: bad argon2 hash encoding")
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a user name is unknown, so that the
// answer takes as long as for a known one.
var dummyHash = func() string {
	h, err := HashPassword("not-a-password-0")
	if err != nil {
		panic(err)
	}
	return h
}()

// TemporaryPassword draws a password the person must change at first
// sign-in: 16 characters of letters and digits.
func TemporaryPassword() (string, error) {
	const letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
	const digits = "23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, 16)
	for i, x := range b {
		if i%4 == 3 {
			out[i] = digits[int(x)%len(digits)]
		} else {
			out[i] = letters[int(x)%len(letters)]
		}
	}
	return string(out), nil
}
