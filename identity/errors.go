package identity

import (
	"errors"
	"time"
)

// Error is a refusal identity explains to the person or client asking.
// Code is stable: the web pages look it up in the message catalogue
// ("identity.<code>"), the OAuth endpoints map it to an OAuth error.
type Error struct {
	Code string
	// Until is when a locked login may be tried again.
	Until time.Time
}

func (e *Error) Error() string { return "identity: " + e.Code }

// The refusals. Login failures do not say whether the user name exists.
var (
	ErrBadCredentials = &Error{Code: "bad-credentials"}
	ErrBadTOTP        = &Error{Code: "bad-totp"}
	ErrWeakPassword   = &Error{Code: "weak-password"}
	ErrUsernameTaken  = &Error{Code: "username-taken"}
	ErrBadUsername    = &Error{Code: "bad-username"}
	ErrBadRole        = &Error{Code: "bad-role"}
	ErrBadRegion      = &Error{Code: "bad-region"}
	ErrInvalidToken   = &Error{Code: "invalid-token"}
	ErrInvalidClient  = &Error{Code: "invalid-client"}
	ErrInvalidGrant   = &Error{Code: "invalid-grant"}
	ErrInvalidRequest = &Error{Code: "invalid-request"}
	// ErrInvalidLaunch refuses an EHR launch id that is unknown, expired,
	// spent, or of another account or client.
	ErrInvalidLaunch = &Error{Code: "invalid-launch"}
)

// CodeOf returns err's identity code, or "" for other errors.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
