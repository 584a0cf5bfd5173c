package identity

import (
	"context"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
)

// Session lifetimes: a web session ends after SessionIdle without use and
// SessionMax after sign-in; a device token is remembered DeviceTTL.
const (
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
	DeviceTTL   = 180 * 24 * time.Hour
	// touchEvery is how stale a session's last use may be before a request
	// writes the new one.
	touchEvery = time.Minute
)

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Username, Password string
	// TOTP is the second factor's current code (staff and administrators).
	TOTP string
	// Device is the browser's device token from an earlier sign-in, if any.
	Device string
}

// LoginResult is a successful sign-in.
type LoginResult struct {
	Account Account
	// Session is the new session's token (the session cookie's value).
	Session string
	// Device is a new device token for the browser ("" when its own was
	// valid and is kept).
	Device string
}

// Session is a signed-in web session.
type Session struct {
	Account string    `json:"account"`
	Created time.Time `json:"created"`
	LastUse time.Time `json:"lastUse"`
	// Enrolling is set when the account needs a second factor it has not
	// enrolled yet: the session may only enrol one.
	Enrolling bool `json:"enrolling,omitempty"`
	// CSRF is the session's form token.
	CSRF string `json:"csrf"`
}

type device struct {
	Account string `json:"account"`
}

// Login checks a sign-in attempt. Refusals are ErrBadCredentials (also for
// an unknown user name, a wrong or missing second factor and a disabled
// account: the answer does not tell which) and a lock (*Error with code
// "locked" and Until). A staff account without an enrolled second factor
// signs in to a session that may only enrol one.
func (s *Service) Login(ctx context.Context, req LoginRequest) (LoginResult, error) {
	var res LoginResult
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		now := tx.Now()
		a, err := accountByName(ctx, tx, req.Username)
		known := err == nil
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		e := &audit.Entry{Action: "login", Outcome: audit.OutcomeFailed}
		if known {
			e.Agent = agentOf(&a, "")
		} else {
			e.Agent = audit.Agent{Kind: "user", ID: "unknown"}
		}
		key := "name:" + strings.ToLower(req.Username)
		trusted := false
		if known && req.Device != "" {
			var d device
			if err := getJSON(ctx, tx, "device", hashKey(req.Device), &d); err == nil && d.Account == a.ID {
				key, trusted = "device:"+hashKey(req.Device), true
			} else if err != nil && !isNotFound(err) {
				return nil, err
			}
		}
		th, err := loadThrottle(ctx, tx, key)
		if err != nil {
			return nil, err
		}
		if now.Before(th.LockedUntil) {
			e.Outcome, e.Detail = audit.OutcomeDenied, "locked"
			return e, &Error{Code: "locked", Until: th.LockedUntil}
		}
		hash := dummyHash
		if known {
			hash = a.PasswordHash
		}
		ok, err := CheckPassword(hash, req.Password)
		if err != nil {
			return nil, err
		}
		ok = ok && known && !a.Disabled
		enrolling := false
		if ok && a.Role.NeedsMFA() {
			if a.MFAEnrolled() {
				step := verifyTOTP(a.TOTPSecret, strings.TrimSpace(req.TOTP), now, a.TOTPLastStep)
				ok = step != 0
				a.TOTPLastStep = max(a.TOTPLastStep, step)
			} else {
				enrolling = true
			}
		}
		if !ok {
			e.Detail = "bad credentials"
			return e, errorsJoin(th.fail(ctx, tx, key, now), ErrBadCredentials)
		}
		if err := clearThrottle(ctx, tx, key); err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, kindAccount, a.ID, &a, zeroTime); err != nil {
			return nil, err
		}
		if !trusted {
			if res.Device, err = newSecret("ytd_"); err != nil {
				return nil, err
			}
			if err := putJSON(ctx, tx, "device", hashKey(res.Device), device{Account: a.ID}, now.Add(DeviceTTL)); err != nil {
				return nil, err
			}
		}
		if res.Session, err = s.newSession(ctx, tx, a.ID, enrolling); err != nil {
			return nil, err
		}
		res.Account = a
		e.Outcome = audit.OutcomeSuccess
		if enrolling {
			e.Detail = "second factor to enrol"
		}
		return e, nil
	})
	return res, err
}

// errorsJoin returns err when it is not nil (an internal error that rolls
// the transaction back), else refusal.
func errorsJoin(err, refusal error) error {
	if err != nil {
		return err
	}
	return refusal
}

func (s *Service) newSession(ctx context.Context, tx store.Tx, account string, enrolling bool) (string, error) {
	tok, err := newSecret("yts_")
	if err != nil {
		return "", err
	}
	csrf, err := newSecret("")
	if err != nil {
		return "", err
	}
	now := tx.Now()
	sess := Session{Account: account, Created: now, LastUse: now, Enrolling: enrolling, CSRF: csrf}
	return tok, putJSON(ctx, tx, "session", hashKey(tok), &sess, now.Add(SessionMax))
}

// Session returns the live session of token and its account, noting the
// use. An unknown, expired or idle session, or one of a disabled account,
// is ErrInvalidToken.
func (s *Service) Session(ctx context.Context, token string) (Session, Account, error) {
	var sess Session
	var a Account
	key := hashKey(token)
	var stale bool
	err := s.view(ctx, func(tx store.Tx) error {
		if err := getJSON(ctx, tx, "session", key, &sess); err != nil {
			return err
		}
		if tx.Now().Sub(sess.LastUse) > SessionIdle {
			return ErrInvalidToken
		}
		stale = tx.Now().Sub(sess.LastUse) > touchEvery
		return getJSON(ctx, tx, kindAccount, sess.Account, &a)
	})
	if isNotFound(err) || (err == nil && a.Disabled) {
		return Session{}, Account{}, ErrInvalidToken
	}
	if err != nil {
		return Session{}, Account{}, err
	}
	if stale {
		err = s.st.Update(ctx, func(tx store.Tx) error {
			var cur Session
			if err := getJSON(ctx, tx, "session", key, &cur); err != nil {
				return err
			}
			rec, err := tx.Records().Get(ctx, "session", key)
			if err != nil {
				return err
			}
			cur.LastUse = tx.Now()
			return putJSON(ctx, tx, "session", key, &cur, rec.Expires)
		})
		if isNotFound(err) {
			return Session{}, Account{}, ErrInvalidToken
		}
		if err != nil {
			return Session{}, Account{}, err
		}
	}
	return sess, a, nil
}

// EndEnrolment turns an enrolling session into a full one once the
// account has a second factor.
func (s *Service) EndEnrolment(ctx context.Context, token string) error {
	key := hashKey(token)
	return s.st.Update(ctx, func(tx store.Tx) error {
		rec, err := tx.Records().Get(ctx, "session", key)
		if err != nil {
			return err
		}
		var sess Session
		if err := getJSON(ctx, tx, "session", key, &sess); err != nil {
			return err
		}
		var a Account
		if err := getJSON(ctx, tx, kindAccount, sess.Account, &a); err != nil {
			return err
		}
		if !a.MFAEnrolled() {
			return ErrBadTOTP
		}
		sess.Enrolling = false
		return putJSON(ctx, tx, "session", key, &sess, rec.Expires)
	})
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	key := hashKey(token)
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var sess Session
		if err := getJSON(ctx, tx, "session", key, &sess); isNotFound(err) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		var a Account
		if err := getJSON(ctx, tx, kindAccount, sess.Account, &a); err != nil && !isNotFound(err) {
			return nil, err
		}
		a.ID = sess.Account
		return &audit.Entry{Action: "logout", Agent: agentOf(&a, "")}, tx.Records().Delete(ctx, "session", key)
	})
}

// Reauthenticate checks the signed-in account's password again before a
// sensitive act (issuing a signing certificate). Failures are throttled
// like sign-ins, on a key of their own.
func (s *Service) Reauthenticate(ctx context.Context, id, password string) error {
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		e := &audit.Entry{Action: "reauthenticate", Agent: agentOf(&a, ""), Outcome: audit.OutcomeFailed}
		key := "reauth:" + id
		th, err := loadThrottle(ctx, tx, key)
		if err != nil {
			return nil, err
		}
		if tx.Now().Before(th.LockedUntil) {
			e.Outcome = audit.OutcomeDenied
			return e, &Error{Code: "locked", Until: th.LockedUntil}
		}
		ok, err := CheckPassword(a.PasswordHash, password)
		if err != nil {
			return nil, err
		}
		if !ok || a.Disabled {
			return e, errorsJoin(th.fail(ctx, tx, key, tx.Now()), ErrBadCredentials)
		}
		e.Outcome = audit.OutcomeSuccess
		return e, clearThrottle(ctx, tx, key)
	})
}
