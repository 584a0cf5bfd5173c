// Package config declares Yitong's configuration options once: name, flag,
// environment variable, default, validation and whether the value is
// secret. Every option is settable by flag and by environment variable; a
// flag wins over the environment, the environment over the default. Secret
// values are never printed.
package config

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Option is one configuration option.
type Option struct {
	Flag    string // flag name, without dashes
	Env     string // environment variable
	Default string
	Usage   string
	Secret  bool
	// Check validates a value; nil accepts anything.
	Check func(string) error
}

// The options of Yitong.
var (
	Listen = Option{Flag: "listen", Env: "YITONG_LISTEN", Default: "127.0.0.1:8080",
		Usage: "address to serve HTTP on", Check: checkListen}
	Data = Option{Flag: "data", Env: "YITONG_DATA", Default: "./data",
		Usage: "data folder (the embedded SQLite database, exports)"}
	Database = Option{Flag: "database", Env: "YITONG_DATABASE", Default: "",
		Usage: "database URL: postgres://… for PostgreSQL; empty for SQLite inside the data folder", Secret: true, Check: checkDatabase}
	LogFormat = Option{Flag: "log-format", Env: "YITONG_LOG_FORMAT", Default: "text",
		Usage: "log format: text or json", Check: oneOf("text", "json")}
	IdempotencyRetention = Option{Flag: "idempotency-retention", Env: "YITONG_IDEMPOTENCY_RETENTION", Default: "24h",
		Usage: "how long an Idempotency-Key of a write is kept (a Go duration, 1m to 720h)", Check: checkRetention}
)

// MinIdempotencyRetention and MaxIdempotencyRetention bound
// IdempotencyRetention.
const (
	MinIdempotencyRetention = time.Minute
	MaxIdempotencyRetention = 30 * 24 * time.Hour
)

// Duration parses a duration option's value (checked by its Check).
func Duration(v string) (time.Duration, error) { return time.ParseDuration(v) }

func checkRetention(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 24h or 90m", v)
	}
	if d < MinIdempotencyRetention || d > MaxIdempotencyRetention {
		return fmt.Errorf("%s is not between %s and %s", d, MinIdempotencyRetention, MaxIdempotencyRetention)
	}
	return nil
}

// Set is a set of option values bound to a flag set.
type Set struct {
	values map[string]*string
	opts   map[string]Option
}

// Bind registers opts on fs. Defaults come from the environment when set.
func Bind(fs *flag.FlagSet, opts ...Option) *Set {
	s := &Set{values: map[string]*string{}, opts: map[string]Option{}}
	for _, o := range opts {
		def := o.Default
		if v, ok := os.LookupEnv(o.Env); ok {
			def = v
		}
		usage := o.Usage + " (env " + o.Env + ")"
		if o.Secret {
			// A secret's value is held by a flag.Value whose String is
			// empty, so usage text never shows it.
			v := new(string)
			*v = def
			fs.Var((*secretValue)(v), o.Flag, usage)
			s.values[o.Flag] = v
		} else {
			s.values[o.Flag] = fs.String(o.Flag, def, usage)
		}
		s.opts[o.Flag] = o
	}
	return s
}

// Get returns the value of an option after parsing, validated.
func (s *Set) Get(o Option) (string, error) {
	p, ok := s.values[o.Flag]
	if !ok {
		return "", fmt.Errorf("option --%s is not bound", o.Flag)
	}
	v := *p
	if o.Check != nil {
		if err := o.Check(v); err != nil {
			return "", fmt.Errorf("--%s: %w", o.Flag, err)
		}
	}
	return v, nil
}

// secretValue is a flag.Value whose default is never printed.
type secretValue string

func (v *secretValue) String() string     { return "" }
func (v *secretValue) Set(s string) error { *v = secretValue(s); return nil }

func checkListen(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	return nil
}

func checkDatabase(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("the database URL cannot be parsed")
	}
	switch u.Scheme {
	case "postgres", "postgresql", "sqlite", "file":
		return nil
	}
	return fmt.Errorf("database URL scheme %q: use postgres://… (or sqlite:PATH)", u.Scheme)
}

func oneOf(vals ...string) func(string) error {
	return func(v string) error {
		for _, x := range vals {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(vals, ", "))
	}
}

// Backend says which storage a database URL and data folder select.
type Backend struct {
	Kind string // "sqlite" or "postgres"
	// Path is the SQLite file; URL the PostgreSQL URL.
	Path, URL string
}

// ResolveBackend picks the storage from --database and --data.
func ResolveBackend(database, data string) Backend {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		return Backend{Kind: "postgres", URL: database}
	case strings.HasPrefix(database, "sqlite:"):
		return Backend{Kind: "sqlite", Path: strings.TrimPrefix(strings.TrimPrefix(database, "sqlite:"), "//")}
	case strings.HasPrefix(database, "file:"):
		return Backend{Kind: "sqlite", Path: strings.TrimPrefix(database, "file:")}
	}
	return Backend{Kind: "sqlite", Path: filepath.Join(data, "yitong.db")}
}

// Redact returns a database URL without its password, for logs.
func Redact(database string) string {
	u, err := url.Parse(database)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
