// Package postgres is Yitong's PostgreSQL storage backend, for deployments
// with several application nodes and regional scale. It shares its SQL with
// the SQLite backend through store/sqlstore.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/yitong-health/yitong/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect returns the PostgreSQL dialect of sqlstore.
func Dialect() *sqlstore.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return &sqlstore.Dialect{
		Name:             "postgres",
		Numbered:         true,
		BatchWrites:      true,
		DriverPrepares:   true,
		Migrations:       sub,
		MaxParams:        65535,
		LockSQL:          `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`,
		LockRowSQL:       `SELECT 1 FROM resources WHERE res_type = ? AND res_id = ? FOR UPDATE`,
		MigrationLockSQL: `SELECT pg_advisory_xact_lock(7363462020)`,
		ForUpdate:        ` FOR UPDATE OF r`,
		// VACUUM also sets the visibility map, without which index-only
		// scans of freshly loaded tables read the heap.
		AnalyzeSQL:   `VACUUM (ANALYZE)`,
		JSONElements: `jsonb_array_elements(%s::jsonb) j(value)`,
		PerRowSuffix: ` OFFSET 0`,
		ReadTx:       &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
		WriteTx:      &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		IsRetryable: func(err error) bool {
			var pe *pgconn.PgError
			// 40001 serialization_failure, 40P01 deadlock_detected
			return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
		},
	}
}

// Open connects to the PostgreSQL database at url (postgres://…), applies
// migrations and returns the store. now is the clock (nil: time.Now).
func Open(ctx context.Context, url string, now func() time.Time) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("postgres: connect: %w", err), db.Close())
	}
	d := Dialect()
	if err := sqlstore.Migrate(ctx, db, d); err != nil {
		return nil, errors.Join(fmt.Errorf("postgres: %w", err), db.Close())
	}
	return sqlstore.New(d, db, db, now), nil
}

// CreateDatabase creates database name on the server at adminURL and
// returns the URL of the new database. name must be a plain identifier.
func CreateDatabase(ctx context.Context, adminURL, name string) (string, error) {
	if !plainIdent(name) {
		return "", fmt.Errorf("postgres: %q is not a plain database name", name)
	}
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("postgres: create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDatabase drops database name on the server at adminURL.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	if !plainIdent(name) {
		return fmt.Errorf("postgres: %q is not a plain database name", name)
	}
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("postgres: drop database: %w", err)
	}
	return nil
}

func plainIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
