package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"

	"errors"
	"flag"
	"fmt"
	"github.com/yitong-health/yitong/signing"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/identity"
)

type adminCmd struct{ stdout, stderr io.Writer }

func (c *adminCmd) Summary() string {
	return "bootstrap the platform, create accounts and OAuth clients"
}

func (c *adminCmd) Run(ctx context.Context, args []string) error {
	subs := map[string]func(context.Context, []string) error{
		"bootstrap":         c.bootstrap,
		"rotate-master-key": c.rotateMasterKey,
		"rotate-key":        c.rotateKey,
		"account":           func(ctx context.Context, args []string) error { return c.group(ctx, "account", args, c.accountCreate) },
		"client":            func(ctx context.Context, args []string) error { return c.group(ctx, "client", args, c.clientCreate) },
	}
	return dispatch(ctx, c.stderr, "admin", "COMMAND", subs, args)
}

// group dispatches "admin account create" and "admin client create".
func (c *adminCmd) group(ctx context.Context, name string, args []string, create func(context.Context, []string) error) error {
	return dispatch(ctx, c.stderr, "admin "+name, "ACTION", map[string]func(context.Context, []string) error{"create": create}, args)
}

// withIdentity parses the store flags, opens the platform and runs fn with
// the identity service; the acts are audited as the operator's command
// line (the system agent).
func (c *adminCmd) withIdentity(ctx context.Context, fs *flag.FlagSet, args []string, fn func(ctx context.Context, p *platform) error) (err error) {
	st, data, err := openFlagged(ctx, fs, args, false)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	p, err := openPlatform(ctx, st, slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), data)
	if err != nil {
		return err
	}
	defer p.Close()
	p.data = data
	ctx = audit.WithEvent(ctx, &audit.Event{Agent: audit.Agent{Kind: "system", ID: "yitong-admin"}, Source: "command line"})
	return fn(ctx, p)
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func (c *adminCmd) accountCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin account create", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	username := fs.String("username", "", "user name (3-64 of letters, digits, . _ - @)")
	role := fs.String("role", "", "one of "+roleNames())
	patient := fs.String("patient", "", "a resident's own Patient id")
	var dependents stringList
	fs.Var(&dependents, "dependent", "a child's Patient id the resident acts for (repeatable)")
	practitioner := fs.String("practitioner", "", "the Practitioner id of a doctor, nurse or pharmacist")
	org := fs.String("org", "", "the Organization id the account works for")
	region := fs.String("region", "", "the GB/T 2260 code a regulator supervises")
	return c.withIdentity(ctx, fs, args, func(ctx context.Context, p *platform) error {
		a := identity.Account{Username: *username, Role: identity.Role(*role), Patient: *patient, Dependents: dependents,
			Practitioner: *practitioner, Organization: *org, Region: *region}
		if a.Role.Clinical() && a.Practitioner == "" {
			return fmt.Errorf("admin account create: a %s account needs --practitioner", a.Role)
		}
		return c.createAccount(ctx, p, a)
	})
}

func (c *adminCmd) createAccount(ctx context.Context, p *platform, a identity.Account) error {
	pw, err := identity.TemporaryPassword()
	if err != nil {
		return err
	}
	a, err = p.id.CreateAccount(ctx, a, pw, true)
	if code := identity.CodeOf(err); code == identity.ErrBadRegion.Code {
		return fmt.Errorf("admin account create: a regulator needs --region, a six-digit GB/T 2260 code (110000 a province, 110100 a city, 110105 a district); other roles take none")
	} else if code != "" {
		return fmt.Errorf("admin account create: %s", code)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "account_id: %s\nusername: %s\nrole: %s\ntemporary_password: %s\n", a.ID, a.Username, a.Role, pw)
	return nil
}

func roleNames() string {
	names := make([]string, len(identity.Roles))
	for i, r := range identity.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func (c *adminCmd) clientCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin client create", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	name := fs.String("name", "", "the client's name, shown on the consent screen")
	scope := fs.String("scope", "", "the most a token of the client may carry, e.g. \"system/*.rs\" or \"launch/patient offline_access patient/*.rs\"")
	secret := fs.Bool("secret", false, "draw a client secret (a confidential client)")
	jwks := fs.String("jwks", "", "a JWKS file of EC public keys (P-256 for ES256, crv SM2 for SM2): the client authenticates with private_key_jwt")
	org := fs.String("org", "", "the Organization id a system client acts for")
	purpose := fs.String("purpose", "", "the purpose of use of a system client's requests (HL7 v3 PurposeOfUse: TREAT (default), HPAYMT, HRESCH, HMARKT, PUBHLTH, HOPERAT, …); residents' consents refusing it apply")
	launchURL := fs.String("launch-url", "", "the SMART app's launch URL for EHR launch from clinicians' pages (needs the launch scope)")
	var redirects stringList
	fs.Var(&redirects, "redirect-uri", "a redirect URI of a SMART app, matched exactly (repeatable)")
	return c.withIdentity(ctx, fs, args, func(ctx context.Context, p *platform) error {
		var set []byte
		if *jwks != "" {
			var err error
			if set, err = os.ReadFile(*jwks); err != nil {
				return fmt.Errorf("admin client create: %w", err)
			}
		}
		cl, plain, err := p.id.CreateClient(ctx, identity.Client{Name: *name, Scope: *scope, RedirectURIs: redirects, Organization: *org, JWKS: set, Purpose: *purpose, LaunchURL: *launchURL}, *secret)
		if identity.CodeOf(err) != "" {
			return fmt.Errorf("admin client create: --name and --scope are required; redirect URIs and --launch-url must be absolute http(s) URIs; --launch-url needs the launch scope; --jwks must hold EC P-256 or SM2 keys and excludes --secret; --purpose must be a known purpose of use")
		}
		if err != nil {
			return err
		}
		if _, err := identity.ParseScopes(cl.Scope); err != nil {
			return fmt.Errorf("admin client create: the scope %q is not valid", cl.Scope)
		}
		fmt.Fprintf(c.stdout, "client_id: %s\n", cl.ID)
		if plain != "" {
			fmt.Fprintf(c.stdout, "client_secret: %s\n", plain)
		}
		return nil
	})
}

// bootstrap creates the first institution (an Organization) and the
// three separate administrators 等保 level 3 asks for, each with a
// temporary password and a second factor to enrol at first sign-in.
func (c *adminCmd) bootstrap(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin bootstrap", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	orgName := fs.String("org-name", "", "the first institution's name (e.g. the health commission)")
	prefix := fs.String("prefix", "admin", "user names are PREFIX-system, PREFIX-security, PREFIX-audit")
	return c.withIdentity(ctx, fs, args, func(ctx context.Context, p *platform) error {
		if strings.TrimSpace(*orgName) == "" {
			return errors.New("admin bootstrap: --org-name is required")
		}
		existing, err := p.id.Accounts(ctx, "", 1)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return errors.New("admin bootstrap: the platform has accounts already; create more with 'yitong admin account create'")
		}
		org, err := p.svc.Create(ctx, map[string]any{"resourceType": "Organization", "active": true, "name": *orgName}, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "organization: Organization/%s\n", org.Version.ID)
		for _, r := range []identity.Role{identity.RoleSystemAdmin, identity.RoleSecurityAdmin, identity.RoleAuditAdmin} {
			name := *prefix + "-" + strings.TrimSuffix(string(r), "-admin")
			if err := c.createAccount(ctx, p, identity.Account{Username: name, Role: r, Organization: org.Version.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// rotateMasterKey re-encrypts the signing CA's key under a new master key.
// With master.key in the data folder the new key replaces it, crash-safely
// (see nextKeyFile); with YITONG_MASTER_KEY the new key is printed for the
// operator to set on every node.
func (c *adminCmd) rotateMasterKey(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin rotate-master-key", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return c.withIdentity(ctx, fs, args, func(ctx context.Context, p *platform) error {
		data := p.data
		if err := p.openSigning(ctx, p.svc.Store(), data); err != nil {
			return err
		}
		current, err := masterKey(data)
		if err != nil {
			return err
		}
		next := make([]byte, 16)
		if _, err := rand.Read(next); err != nil {
			return err
		}
		fromEnv := os.Getenv("YITONG_MASTER_KEY") != ""
		if !fromEnv {
			if err := writeKeyFile(filepath.Join(data, nextKeyFile), next); err != nil {
				return err
			}
		}
		if err := signing.RotateMasterKey(ctx, p.svc.Store(), p.audit, current, next); err != nil {
			return err
		}
		if fromEnv {
			fmt.Fprintf(c.stdout, "YITONG_MASTER_KEY=%s\n", hex.EncodeToString(next))
			return nil
		}
		if err := os.Rename(filepath.Join(data, nextKeyFile), filepath.Join(data, "master.key")); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "master key rotated: %s\n", filepath.Join(data, "master.key"))
		return syncDir(data)
	})
}

// rotateKey issues a new key pair for one of the platform's keys: the
// audit checkpoint key, the signing CA or the OpenID Connect id token key.
// Each rotation is audited as the operator's; what is kept of the old key
// is described in docs/SECURITY.md.
func (c *adminCmd) rotateKey(ctx context.Context, args []string) error {
	one := func(name string, fn func(ctx context.Context, p *platform) error) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) error {
			fs := flag.NewFlagSet("admin rotate-key "+name, flag.ContinueOnError)
			fs.SetOutput(c.stderr)
			return c.withIdentity(ctx, fs, args, fn)
		}
	}
	return dispatch(ctx, c.stderr, "admin rotate-key", "KEY", map[string]func(context.Context, []string) error{
		"audit": one("audit", func(ctx context.Context, p *platform) error {
			old := p.audit.PublicKey().KeyID
			if _, err := p.audit.RotateKey(ctx); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "audit checkpoint key rotated: %s retired, %s in force\n", old, p.audit.PublicKey().KeyID)
			return nil
		}),
		"ca": one("ca", func(ctx context.Context, p *platform) error {
			if err := p.openSigning(ctx, p.svc.Store(), p.data); err != nil {
				return err
			}
			cert, err := p.sign.RotateCA(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "signing CA rotated: serial %s in force until %s\n", strings.ToUpper(cert.SerialNumber.Text(16)), cert.NotAfter.Format("2006-01-02"))
			return nil
		}),
		"oidc": one("oidc", func(ctx context.Context, p *platform) error {
			if err := p.openSigning(ctx, p.svc.Store(), p.data); err != nil {
				return err
			}
			old := p.idt.KeyID()
			kid, err := p.idt.RotateKey(ctx, p.audit)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "id token key rotated: %s in force; %s stays in the JWKS for %s\n", kid, old, identity.IDTokenKeyOverlap)
			return nil
		}),
	}, args)
}
