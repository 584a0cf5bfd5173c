package main

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/config"
	"github.com/yitong-health/yitong/store"
)

type auditCmd struct{ stdout, stderr io.Writer }

func (c *auditCmd) Summary() string {
	return "verify, checkpoint, export and prune the tamper-evident audit log"
}

func (c *auditCmd) Run(ctx context.Context, args []string) error {
	subs := map[string]func(context.Context, []string) error{
		"verify":     c.verify,
		"checkpoint": c.checkpoint,
		"export":     c.export,
		"key":        c.key,
		"prune":      c.prune,
	}
	return dispatch(ctx, c.stderr, "audit", "COMMAND", subs, args)
}

// openStore parses the store flags plus the command's own, and opens
// the store, which must exist.
func (c *auditCmd) openStore(ctx context.Context, fs *flag.FlagSet, args []string) (store.Store, error) {
	st, _, err := openFlagged(ctx, fs, args, true)
	return st, err
}

// openFlagged parses the store flags plus fs's own and opens the store;
// with mustExist an SQLite file that is not there is an error. It also
// returns the data folder the flags chose.
func openFlagged(ctx context.Context, fs *flag.FlagSet, args []string, mustExist bool) (store.Store, string, error) {
	set := config.Bind(fs, storeFlags()...)
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if fs.NArg() > 0 {
		return nil, "", fmt.Errorf("%s: unexpected arguments %v", fs.Name(), fs.Args())
	}
	v, err := getAll(set, storeFlags()...)
	if err != nil {
		return nil, "", err
	}
	// Auditing a database that is not there must fail, not create an
	// empty one that verifies.
	if b := config.ResolveBackend(v[1], v[0]); mustExist && b.Kind == "sqlite" {
		if _, err := os.Stat(b.Path); err != nil {
			return nil, "", fmt.Errorf("%s: no database at %s: %w", fs.Name(), b.Path, err)
		}
	}
	st, _, err := openStore(ctx, v[1], v[0])
	return st, v[0], err
}

// closeStore closes st, reporting its error unless err already holds one.
func closeStore(st store.Store, err *error) {
	if cerr := st.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close database: %w", cerr)
	}
}

// readKeys reads a public key file: DER, or PEM with one or more
// "PUBLIC KEY" blocks (a bundle, as 'yitong audit key --all' prints).
func readKeys(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for rest := b; ; {
		p, r := pem.Decode(rest)
		if p == nil {
			break
		}
		if p.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("%s: a %q block where a PUBLIC KEY was expected", path, p.Type)
		}
		out, rest = append(out, p.Bytes), r
	}
	if len(out) == 0 {
		out = [][]byte{b}
	}
	return out, nil
}

// verify checks the whole log (or, with --export, an export offline) and
// exits non-zero naming the first bad entry or checkpoint.
func (c *auditCmd) verify(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	keyFile := fs.String("public-key", "", "trusted checkpoint key (DER, or PEM with one or more keys); required with --export, else the key stored with the log")
	witnessFile := fs.String("witness", "", "a checkpoint kept outside the platform (from 'yitong audit checkpoint --out'); the log must contain its tree")
	exportFile := fs.String("export", "", "verify this export offline instead of a database")
	var witness *audit.Checkpoint
	var keys [][]byte
	load := func() error {
		if *witnessFile != "" {
			b, err := os.ReadFile(*witnessFile)
			if err != nil {
				return err
			}
			w, err := audit.ParseWitness(b)
			if err != nil {
				return err
			}
			witness = &w
		}
		if *keyFile != "" {
			var err error
			if keys, err = readKeys(*keyFile); err != nil {
				return err
			}
		}
		return nil
	}
	if hasFlag(args, "export") {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if err := load(); err != nil {
			return err
		}
		if keys == nil {
			return errors.New("audit verify --export needs --public-key: an export is only as trustworthy as the key it is checked with")
		}
		f, err := os.Open(*exportFile)
		if err != nil {
			return err
		}
		defer f.Close()
		rep, err := audit.VerifyExportKeys(f, keys, witness)
		if err != nil {
			fmt.Fprintf(c.stdout, "FAILED: %v\n", err)
			return exitCode(1)
		}
		fmt.Fprintf(c.stdout, "OK: entries %d-%d, %d checkpoints (latest %d), %d entries after the last checkpoint, hash %s, key %s (%d in the chain), %.2fs\n",
			rep.Begin, rep.Size, rep.Checkpoints, rep.Latest, rep.Unproven, rep.HashAlg, rep.KeyID, rep.Keys, rep.Elapsed.Seconds())
		return nil
	}
	st, err := c.openStore(ctx, fs, args)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	if err := load(); err != nil {
		return err
	}
	rep, err := audit.Verify(ctx, st, audit.VerifyOptions{PublicKeys: keys, Witness: witness})
	var ve *audit.VerifyError
	if errors.As(err, &ve) {
		fmt.Fprintf(c.stdout, "FAILED: %v\n", err)
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "OK: %d entries (%d pruned, proven by their leaf hashes), %d checkpoints (latest %d), %d pending, %d resource versions matched to their entries, hash %s, key %s (%d in the chain), %.2fs\n",
		rep.Size, rep.Pruned, rep.Checkpoints, rep.Latest, rep.Pending, rep.Versions, rep.HashAlg, rep.KeyID, rep.Keys, rep.Elapsed.Seconds())
	return nil
}

// hasFlag reports whether args set flag name (-name, --name, with or
// without =value).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// checkpoint sequences pending entries and signs a checkpoint now.
func (c *auditCmd) checkpoint(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("audit checkpoint", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	out := fs.String("out", "", "also write the checkpoint to this file, for keeping outside the platform (a witness)")
	st, data, err := openFlagged(ctx, fs, args, true)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	l, err := openLog(ctx, st, data, "", slog.New(slog.NewTextHandler(c.stderr, nil)))
	if err != nil {
		return err
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s— %s %s\n", cp.Note, cp.KeyID, base64.StdEncoding.EncodeToString(cp.Signature))
	if *out != "" {
		return os.WriteFile(*out, audit.MarshalWitness(cp), 0o644)
	}
	return nil
}

// export writes the log as NDJSON for the provincial supervision platform.
func (c *auditCmd) export(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	from := fs.Int64("from", 0, "first tree position to export (the end of the previous export)")
	out := fs.String("out", "", "write to this file instead of standard output")
	st, err := c.openStore(ctx, fs, args)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	w := c.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer func() {
			// A failed close can mean the export is incomplete on disk.
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("write %s: %w", *out, cerr)
			}
		}()
		w = f
	}
	sum, err := audit.Export(ctx, st, w, *from)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "exported entries %d-%d with %d checkpoints; continue with --from %d\n", sum.Begin, sum.End, sum.Checkpoints, sum.End)
	return nil
}

// key prints the checkpoint key's public half (PEM); with --all every key
// of the log, oldest first, each with its key id and the checkpoints it
// signed in PEM headers (a bundle 'audit verify --public-key' reads).
func (c *auditCmd) key(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("audit key", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	all := fs.Bool("all", false, "print every key of the log, retired ones too, oldest first")
	st, data, err := openFlagged(ctx, fs, args, true)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	l, err := openLog(ctx, st, data, "", nil)
	if err != nil {
		return err
	}
	if !*all {
		return pem.Encode(c.stdout, &pem.Block{Type: "PUBLIC KEY", Bytes: l.PublicKey().PublicKeyDER})
	}
	ks, err := audit.LoadKeySet(ctx, st)
	if err != nil {
		return err
	}
	for _, k := range ks.Keys() {
		h := map[string]string{"Key-Id": k.KeyID, "Algorithm": k.Algorithm()}
		if k.Current() {
			h["Checkpoints"] = fmt.Sprintf("%d-", k.First)
		} else {
			h["Checkpoints"] = fmt.Sprintf("%d-%d", k.First, k.Last)
			h["Retired"] = k.Until.UTC().Format(time.RFC3339)
		}
		if !k.From.IsZero() {
			h["In-Force-From"] = k.From.UTC().Format(time.RFC3339)
		}
		if err := pem.Encode(c.stdout, &pem.Block{Type: "PUBLIC KEY", Headers: h, Bytes: k.PublicKeyDER}); err != nil {
			return err
		}
	}
	return nil
}

// shanghai is where the command line shows times.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// prune drops the content of entries older than the retention period now
// (what serve does daily), as the operator on the command line.
func (c *auditCmd) prune(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("audit prune", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	st, data, err := openFlagged(ctx, fs, args, true)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	l, err := openLog(ctx, st, data, "", slog.New(slog.NewTextHandler(c.stderr, nil)))
	if err != nil {
		return err
	}
	ctx = audit.WithEvent(ctx, &audit.Event{Agent: audit.Agent{Kind: "system", ID: "yitong-admin"}, Source: "command line"})
	run, err := l.Prune(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "pruned %d entries; entries before position %d are pruned (retention %d months, cutoff %s)\n",
		run.Pruned, run.Before, run.Months, run.Cutoff.In(shanghai).Format("2006-01-02 15:04:05 MST"))
	return nil
}
