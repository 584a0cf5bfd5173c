// Package sqlite is Yitong's embedded storage backend: store.Store on an
// SQLite file in WAL mode with synchronous=FULL, so that every acknowledged
// write survives a crash or power loss. Writes go through one connection
// (SQLite allows one writer); reads use a pool of connections that see
// consistent snapshots.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/yitong-health/yitong/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect returns the SQLite dialect of sqlstore.
func Dialect() *sqlstore.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return &sqlstore.Dialect{
		Name:           "sqlite",
		Migrations:     sub,
		LastInsertID:   true,
		DetachContext:  true,
		ForceJoinOrder: true,
		JSONElements:   `json_each(%s) j`,
		// Audit entries are found by seq after the last one placed:
		// migration 013 dropped the index of waiting entries.
		SeqsInCommitOrder: true,
		// Preparing anew in every transaction was 16% of an audited
		// read's CPU.
		CacheStatements: true,
		MaxParams:       32766,
		ReadTx:          &sql.TxOptions{ReadOnly: true},
		IsRetryable: func(err error) bool {
			var se sqlite3.Error
			return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
		},
	}
}

// pragmas are run on every new connection. synchronous=FULL makes every
// acknowledged commit durable across power loss, as QUALITY.md item 3 asks.
var pragmas = []string{
	"PRAGMA journal_mode = WAL",
	"PRAGMA synchronous = FULL",
	"PRAGMA busy_timeout = 10000",
	"PRAGMA foreign_keys = OFF",
	"PRAGMA cache_size = -65536", // 64 MiB of page cache per connection
	"PRAGMA temp_store = MEMORY",
}

// writerPragmas are run after pragmas on the writer's connection: it reads
// pages straight from a memory map instead of copying each through
// read(). Writes still go through the journal, so durability is unchanged.
// The writer's map stays valid: only its own commits change the database.
var writerPragmas = []string{"PRAGMA mmap_size = 1073741824"}

// readerPragmas are run after pragmas on the readers' connections: no
// memory map. A reader whose snapshot is older than the latest commit
// drops its page cache and unmaps the file when its next transaction
// begins (SQLite's pagerBeginReadTransaction), so with the audit log's
// writer committing every FlushEvery, mapped readers spent their time
// unmapping and faulting pages back in: at 1,000,000 resources, 8 search
// clients managed 397 searches/s mapped and 764/s reading (BENCHMARKS.md).
// Since the audit spool the writer commits about once a second under
// read load; mapping again then gave no consistent gain (BENCHMARKS.md).
var readerPragmas = []string{"PRAGMA mmap_size = 0"}

func init() {
	register := func(name string, extra []string) {
		sql.Register(name, &sqlite3.SQLiteDriver{
			ConnectHook: func(c *sqlite3.SQLiteConn) error {
				for _, p := range slices.Concat(pragmas, extra) {
					if _, err := c.Exec(p, nil); err != nil {
						return fmt.Errorf("%s: %w", p, err)
					}
				}
				return nil
			},
		})
	}
	register(driverName, writerPragmas)
	register(readerDriverName, readerPragmas)
}

// The drivers of the writer's connection and of the readers'.
const (
	driverName       = "yitong_sqlite3"
	readerDriverName = "yitong_sqlite3_reader"
)

// Open opens (creating if needed) the SQLite database at path, applies
// migrations and returns the store. now is the clock (nil: time.Now).
func Open(ctx context.Context, path string, now func() time.Time) (*sqlstore.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create folder: %w", err)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath()
	writer, err := sql.Open(driverName, dsn+"?_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	d := Dialect()
	if err := sqlstore.Migrate(ctx, writer, d); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: %w", err), writer.Close())
	}
	reader, err := sql.Open(readerDriverName, dsn+"?_txlock=deferred")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open reader: %w", err), writer.Close())
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	return sqlstore.New(d, writer, reader, now), nil
}
