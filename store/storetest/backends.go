// Package storetest holds the storage contract suite that every store.Store
// backend must pass, and helpers that open fresh real databases for tests:
// an SQLite file in a temporary folder and a new PostgreSQL database.
//
// PostgreSQL is found through YITONG_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). When it cannot
// be reached the tests fail: they never skip silently. Setting
// YITONG_TEST_POSTGRES=off leaves PostgreSQL out explicitly (and says so).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection

	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/postgres"
	"github.com/yitong-health/yitong/store/sqlite"
)

// DefaultPostgres is the server the tests use unless YITONG_TEST_POSTGRES says otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Clock is a settable clock for tests: timestamps are exact.
type Clock struct{ t time.Time }

// NewClock returns a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC)} }

// Now returns the clock's time and advances it by one millisecond, so that
// successive transactions get distinct, increasing times.
func (c *Clock) Now() time.Time { c.t = c.t.Add(time.Millisecond); return c.t }

// Backend names a backend and opens a fresh, empty store of it.
type Backend struct {
	Name string
	Open func(t testing.TB, now func() time.Time) store.Store
}

// Backends returns SQLite and PostgreSQL (unless YITONG_TEST_POSTGRES=off).
func Backends(t testing.TB) []Backend {
	bs := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if os.Getenv("YITONG_TEST_POSTGRES") == "off" {
		t.Log("YITONG_TEST_POSTGRES=off: PostgreSQL left out of this run")
		return bs
	}
	return append(bs, Backend{Name: "postgres", Open: OpenPostgres})
}

// Each runs fn as a subtest on every backend, each with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b.Open(t, nil))
		})
	}
}

// OpenSQLite opens a fresh SQLite store in a temporary folder.
func OpenSQLite(t testing.TB, now func() time.Time) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "yitong.db"), now)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite: %v", err)
		}
	})
	return s
}

// PostgresURL creates a fresh database on the test server and returns its
// URL; the database is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("YITONG_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL is required for the storage contract suite and is not reachable at %s: %v "+
			"(start it, point YITONG_TEST_POSTGRES at a server, or set YITONG_TEST_POSTGRES=off to leave it out knowingly)", redact(base), err)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	name := "yitong_test_" + hex.EncodeToString(rnd[:])
	u, err := postgres.CreateDatabase(ctx, base, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := postgres.DropDatabase(context.Background(), base, name); err != nil {
			t.Errorf("%v", err)
		}
	})
	return u
}

// OpenPostgres opens a store on a fresh PostgreSQL database.
func OpenPostgres(t testing.TB, now func() time.Time) store.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), PostgresURL(t), now)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close postgres: %v", err)
		}
	})
	return s
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
