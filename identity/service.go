package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Auditor appends the entries of identity acts inside their transaction.
// *audit.Log implements it.
type Auditor interface {
	Append(ctx context.Context, tx store.Tx, e audit.Entry) error
	Notify()
}

// Options configure the service.
type Options struct {
	// Audit records every act; nil only in tests of other concerns.
	Audit Auditor
	// Issuer names the platform in authenticator apps ("Yitong").
	Issuer string
}

// Service is the identity service.
type Service struct {
	st     store.Store
	opts   Options
	tokens *tokenCache
}

// New returns the service over st.
func New(st store.Store, opts Options) *Service {
	if opts.Issuer == "" {
		opts.Issuer = "Yitong"
	}
	tc := &tokenCache{}
	return &Service{st: invalidatingStore{Store: st, tokens: tc}, opts: opts, tokens: tc}
}

// Record kinds.
const (
	kindAccount  = "account"
	kindUsername = "username"
	kindThrottle = "throttle"
	kindClient   = "client"
	kindFamily   = "family"
	kindNonce    = "nonce"
)

// act runs fn in a write transaction. fn returns the act's audit entry
// (nil for none) and either nil, a refusal (*Error: the transaction still
// commits, so a failed login's count and entry are kept) or another error
// (the transaction rolls back).
func (s *Service) act(ctx context.Context, fn func(tx store.Tx) (*audit.Entry, error)) error {
	var a audit.Appender
	if s.opts.Audit != nil {
		a = s.opts.Audit
	}
	return audit.Act(ctx, s.st, a, func(err error) bool {
		var ie *Error
		return errors.As(err, &ie)
	}, fn)
}

// view runs fn in a read transaction.
func (s *Service) view(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.st.View(ctx, fn)
}

func getJSON(ctx context.Context, tx store.Tx, kind, key string, v any) error {
	rec, err := tx.Records().Get(ctx, kind, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(rec.Value, v); err != nil {
		return fmt.Errorf("identity: stored %s record: %w", kind, err)
	}
	return nil
}

func putJSON(ctx context.Context, tx store.Tx, kind, key string, v any, expires time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Records().Put(ctx, store.Record{Kind: kind, Key: key, Value: b, Expires: expires})
}

func insertJSON(ctx context.Context, tx store.Tx, kind, key string, v any, expires time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Records().Insert(ctx, store.Record{Kind: kind, Key: key, Value: b, Expires: expires})
}

func isNotFound(err error) bool { return fhir.CodeOf(err) == fhir.IssueNotFound }

// newSecret returns a random 256-bit value, base64url, after prefix.
func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// hashKey is the stored key of a secret value.
func hashKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// agentOf is the audit agent of an account acting.
func agentOf(a *Account, client string) audit.Agent {
	return audit.Agent{Kind: "user", ID: a.ID, Role: string(a.Role), Org: a.Organization, Client: client}
}
