package identity

import (
	"context"
	"strings"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// CreateAccount creates a with password. It refuses a malformed or taken
// user name, an unknown role and a weak password. a.ID and a.Created are
// set by the service; the password must be changed at first sign-in when
// mustChange is set (an administrator chose it).
func (s *Service) CreateAccount(ctx context.Context, a Account, password string, mustChange bool) (Account, error) {
	if !usernameRE.MatchString(a.Username) {
		return Account{}, ErrBadUsername
	}
	if !a.Role.Valid() {
		return Account{}, ErrBadRole
	}
	if (a.Role == RoleRegulator) != (a.Region != "") || (a.Region != "" && !divisionRE.MatchString(a.Region)) {
		// A regulator supervises one region; other roles none.
		return Account{}, ErrBadRegion
	}
	if err := CheckPasswordPolicy(password); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return Account{}, err
	}
	a.ID = fhir.NewID()
	a.PasswordHash, a.MustChangePassword = hash, mustChange
	a.TOTPSecret, a.TOTPPending, a.TOTPLastStep = "", "", 0
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		a.Created, a.PasswordSet = tx.Now(), tx.Now()
		err := tx.Records().Insert(ctx, store.Record{Kind: kindUsername, Key: strings.ToLower(a.Username), Value: []byte(a.ID)})
		if fhir.CodeOf(err) == fhir.IssueConflict {
			return nil, ErrUsernameTaken
		} else if err != nil {
			return nil, err
		}
		if err := putJSON(ctx, tx, kindAccount, a.ID, &a, zeroTime); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "account-create", Detail: "role " + string(a.Role) + ", account " + a.ID}, nil
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// Account returns the account with id (a not-found error if none).
func (s *Service) Account(ctx context.Context, id string) (Account, error) {
	var a Account
	err := s.view(ctx, func(tx store.Tx) error { return getJSON(ctx, tx, kindAccount, id, &a) })
	return a, err
}

// AccountByUsername returns the account with the user name (any case).
func (s *Service) AccountByUsername(ctx context.Context, username string) (Account, error) {
	var a Account
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		a, err = accountByName(ctx, tx, username)
		return err
	})
	return a, err
}

func accountByName(ctx context.Context, tx store.Tx, username string) (Account, error) {
	rec, err := tx.Records().Get(ctx, kindUsername, strings.ToLower(username))
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = getJSON(ctx, tx, kindAccount, string(rec.Value), &a)
	return a, err
}

// Accounts lists up to n accounts with ids after the given one, in id
// order (ids are time-ordered: oldest first).
func (s *Service) Accounts(ctx context.Context, after string, n int) ([]Account, error) {
	var out []Account
	err := s.view(ctx, func(tx store.Tx) error {
		recs, err := tx.Records().List(ctx, kindAccount, after, n)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var a Account
			if err := getJSON(ctx, tx, kindAccount, r.Key, &a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// Link sets what an account acts for (patient, dependents, practitioner,
// organization, region) and whether it is disabled; credentials, role and
// user name are kept.
func (s *Service) Link(ctx context.Context, id string, fn func(a *Account)) (Account, error) {
	var out Account
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		keep := a
		fn(&a)
		a.ID, a.Username, a.Role, a.Created = keep.ID, keep.Username, keep.Role, keep.Created
		a.PasswordHash, a.PasswordSet, a.MustChangePassword = keep.PasswordHash, keep.PasswordSet, keep.MustChangePassword
		a.TOTPSecret, a.TOTPPending, a.TOTPLastStep = keep.TOTPSecret, keep.TOTPPending, keep.TOTPLastStep
		out = a
		if err := putJSON(ctx, tx, kindAccount, id, &a, zeroTime); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "account-update", Detail: "account " + id}, nil
	})
	return out, err
}

// ChangePassword replaces the password after checking the current one.
func (s *Service) ChangePassword(ctx context.Context, id, current, next string) error {
	if err := CheckPasswordPolicy(next); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		e := &audit.Entry{Action: "password-change", Agent: agentOf(&a, ""), Outcome: audit.OutcomeFailed}
		if ok, err := CheckPassword(a.PasswordHash, current); err != nil {
			return nil, err
		} else if !ok {
			return e, ErrBadCredentials
		}
		a.PasswordHash, a.PasswordSet, a.MustChangePassword = hash, tx.Now(), false
		e.Outcome = audit.OutcomeSuccess
		return e, putJSON(ctx, tx, kindAccount, id, &a, zeroTime)
	})
}

// BeginTOTP draws a new TOTP secret for the account and keeps it pending
// until ConfirmTOTP proves the person's app holds it. It returns the
// secret and its otpauth:// URI.
func (s *Service) BeginTOTP(ctx context.Context, id string) (secret, uri string, err error) {
	secret, err = NewTOTPSecret()
	if err != nil {
		return "", "", err
	}
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		a.TOTPPending = secret
		uri = TOTPURI(s.opts.Issuer, a.Username, secret)
		return nil, putJSON(ctx, tx, kindAccount, id, &a, zeroTime)
	})
	return secret, uri, err
}

// ConfirmTOTP makes the pending secret the account's second factor when
// code is its current code.
func (s *Service) ConfirmTOTP(ctx context.Context, id, code string) error {
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		e := &audit.Entry{Action: "mfa-enrol", Agent: agentOf(&a, ""), Outcome: audit.OutcomeFailed}
		step := int64(0)
		if a.TOTPPending != "" {
			step = verifyTOTP(a.TOTPPending, code, tx.Now(), 0)
		}
		if step == 0 {
			return e, ErrBadTOTP
		}
		a.TOTPSecret, a.TOTPPending, a.TOTPLastStep = a.TOTPPending, "", step
		e.Outcome = audit.OutcomeSuccess
		return e, putJSON(ctx, tx, kindAccount, id, &a, zeroTime)
	})
}

// ResetPassword gives the account a new temporary password (returned, to
// be handed to the person and changed at first sign-in).
func (s *Service) ResetPassword(ctx context.Context, id string) (string, error) {
	pw, err := TemporaryPassword()
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return "", err
	}
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		a.PasswordHash, a.PasswordSet, a.MustChangePassword = hash, tx.Now(), true
		return &audit.Entry{Action: "password-reset", Detail: "account " + id}, putJSON(ctx, tx, kindAccount, id, &a, zeroTime)
	})
	return pw, err
}

// ResetSecondFactor removes the account's TOTP secret: the person enrols a
// new one at the next sign-in (a lost phone).
func (s *Service) ResetSecondFactor(ctx context.Context, id string) error {
	return s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		var a Account
		if err := getJSON(ctx, tx, kindAccount, id, &a); err != nil {
			return nil, err
		}
		a.TOTPSecret, a.TOTPPending, a.TOTPLastStep = "", "", 0
		return &audit.Entry{Action: "mfa-reset", Detail: "account " + id}, putJSON(ctx, tx, kindAccount, id, &a, zeroTime)
	})
}
