package web

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/registry"
	"github.com/yitong-health/yitong/web/i18n"
)

// Every message a template or handler names exists in both languages.
func TestMessagesExist(t *testing.T) {
	keys := map[string]bool{}
	re := regexp.MustCompile(`\{\{t "([^"]+)"\}\}`)
	err := fs.WalkDir(templates, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates, path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys built in code: roles, identity refusals, page titles.
	for _, r := range identity.Roles {
		keys["role."+string(r)] = true
	}
	for _, e := range []*identity.Error{identity.ErrBadCredentials, identity.ErrBadTOTP, identity.ErrWeakPassword, identity.ErrUsernameTaken,
		identity.ErrBadUsername, identity.ErrBadRole, identity.ErrBadRegion, identity.ErrInvalidToken, identity.ErrInvalidClient, identity.ErrInvalidGrant,
		identity.ErrInvalidRequest, {Code: "invalid-scope"}, {Code: "locked"}, {Code: "mismatch"}, {Code: "csrf"}} {
		keys["identity."+e.Code] = true
	}
	for _, k := range []string{"nav.home", "login.title", "mfa.title", "password.title", "authorize.title", "error.title",
		"error.authorize", "authorize.err.client", "authorize.err.redirect", "signing.title", "signing.weak-pin", "signing.not-allowed"} {
		keys[k] = true
	}
	for _, f := range []string{"name", "licence", "category", "scope", "organization", "consent", "independentSince", "duplicate"} {
		keys["reg.err."+f] = true
	}
	for _, cats := range registry.Categories {
		for _, c := range cats {
			keys["reg.category."+c] = true
		}
	}
	keys["reg.title"], keys["reg.forbidden"] = true, true
	for _, k := range []string{"act.C", "act.R", "act.U", "act.D", "act.E", "outcome.success", "outcome.failed", "outcome.denied", "outcome.error",
		"agent.client", "agent.system", "agent.anonymous", "agent.user", "access.title", "access.forbidden", "trace.title", "trace.bad", "trace.forbidden",
		"accounts.title", "accounts.forbidden", "accounts.self", "auditsettings.title", "auditsettings.forbidden", "auditsettings.refused", "auditsettings.invalid"} {
		keys[k] = true
	}
	for k := range keys {
		for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
			if !i18n.Has(l, k) {
				t.Errorf("message %q has no %s text", k, l)
			}
		}
	}
	if len(keys) < 40 {
		t.Errorf("found only %d message keys: is the scan broken?", len(keys))
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/oauth/authorize?x=1": "/oauth/authorize?x=1",
		"//evil.example/":      "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"":                     "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
