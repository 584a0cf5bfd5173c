package config

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func parse(t *testing.T, args []string, opts ...Option) (*Set, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := Bind(fs, opts...)
	return s, fs.Parse(args)
}

func TestPrecedence(t *testing.T) {
	t.Setenv("YITONG_LISTEN", "127.0.0.1:9000")
	s, err := parse(t, nil, Listen)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(Listen); v != "127.0.0.1:9000" {
		t.Errorf("environment not used: %q", v)
	}
	s, err = parse(t, []string{"--listen", "127.0.0.1:9001"}, Listen)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(Listen); v != "127.0.0.1:9001" {
		t.Errorf("flag does not win over the environment: %q", v)
	}
}

func TestDefaultsAndChecks(t *testing.T) {
	s, err := parse(t, nil, Listen, Data, Database, LogFormat, IdempotencyRetention)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o    Option
		want string
	}{{Listen, "127.0.0.1:8080"}, {Data, "./data"}, {Database, ""}, {LogFormat, "text"}, {IdempotencyRetention, "24h"}} {
		if v, err := s.Get(c.o); err != nil || v != c.want {
			t.Errorf("--%s default = %q (%v), want %q", c.o.Flag, v, err, c.want)
		}
	}
	for _, c := range []struct {
		o    Option
		args []string
	}{
		{Listen, []string{"--listen", "8080"}},
		{Database, []string{"--database", "mysql://x"}},
		{LogFormat, []string{"--log-format", "xml"}},
		{IdempotencyRetention, []string{"--idempotency-retention", "tomorrow"}},
		{IdempotencyRetention, []string{"--idempotency-retention", "10s"}},
		{IdempotencyRetention, []string{"--idempotency-retention", "9000h"}},
	} {
		s, err := parse(t, c.args, c.o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(c.o); err == nil {
			t.Errorf("%v accepted", c.args)
		}
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Setenv("YITONG_DATABASE", "postgres://u:hunter2@db/x")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	Bind(fs, Database)
	fs.PrintDefaults()
	if strings.Contains(out.String(), "hunter2") {
		t.Fatalf("usage shows the secret: %s", out.String())
	}
	if r := Redact("postgres://u:hunter2@db/x"); strings.Contains(r, "hunter2") {
		t.Fatalf("Redact kept the password: %s", r)
	}
}

func TestResolveBackend(t *testing.T) {
	cases := []struct {
		db, data string
		want     Backend
	}{
		{"", "d", Backend{Kind: "sqlite", Path: filepath.Join("d", "yitong.db")}},
		{"postgres://h/db", "d", Backend{Kind: "postgres", URL: "postgres://h/db"}},
		{"postgresql://h/db", "d", Backend{Kind: "postgres", URL: "postgresql://h/db"}},
		{"sqlite:/tmp/x.db", "d", Backend{Kind: "sqlite", Path: "/tmp/x.db"}},
	}
	for _, c := range cases {
		if got := ResolveBackend(c.db, c.data); got != c.want {
			t.Errorf("ResolveBackend(%q, %q) = %+v, want %+v", c.db, c.data, got, c.want)
		}
	}
}
