package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
	"strconv"
	"strings"
)

// Dialect describes a SQL backend.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered reports whether placeholders are $1, $2, … instead of ?.
	Numbered bool
	// Migrations holds NNN_name.sql files applied in name order.
	Migrations fs.FS
	// LastInsertID reports whether the driver returns the sequence number of
	// an inserted version through sql.Result.LastInsertId (else RETURNING).
	LastInsertID bool
	// BatchWrites queues Put's rows and sends them in array-parameter
	// statements before the next read and before commit (PostgreSQL); Seq of
	// a put version is then known only after commit.
	BatchWrites bool
	// DetachContext runs statements without the caller's cancellation
	// (checking it before each statement instead). mattn/go-sqlite3 runs
	// every statement on a goroutine of its own when the context can be
	// cancelled, a scheduler round trip per statement that made bulk loads
	// three times slower.
	DetachContext bool
	// CacheStatements keeps the package's prepared statements across
	// transactions, per connection (see stmtCache). For SQLite, which
	// compiles statements in process.
	CacheStatements bool
	// DriverPrepares runs the package's statements without preparing them
	// in the transaction: the driver prepares and caches them per
	// connection itself (pgx), where a prepare of our own would cost a
	// round trip and closing it another, in every transaction.
	DriverPrepares bool
	// MaxParams is the largest number of bind parameters in one statement.
	MaxParams int
	// LockSQL, when set, takes a transaction-scoped lock on its one string
	// argument (PostgreSQL: an advisory lock). SQLite needs none: its write
	// transactions are already serialized.
	LockSQL string
	// LockRowSQL, when set, locks the current row of one resource (type, id)
	// until the transaction ends; write transactions run it before reading a
	// resource's current version, so concurrent updates of one resource
	// queue instead of computing the same next version. SQLite needs none.
	LockRowSQL string
	// ForUpdate, when set, is appended to a SELECT of resources r to lock
	// the rows read until the transaction ends (PostgreSQL: " FOR UPDATE OF
	// r"). SQLite needs none: its write transactions are serialized.
	ForUpdate string
	// ForceJoinOrder makes searches join a candidate set to the resources
	// with CROSS JOIN, which SQLite's planner never reorders: without
	// statistics it would rather scan every resource of the type. Other
	// planners choose well with a plain JOIN.
	ForceJoinOrder bool
	// PerRowSuffix, when set, is appended to a subquery that must run once
	// per outer row instead of being turned into a join over all its rows
	// (PostgreSQL: " OFFSET 0", which its planner cannot pull up).
	PerRowSuffix string
	// SeqsInCommitOrder says audit entries get increasing seqs in commit
	// order (SQLite: one writer, and a new rowid is the largest plus one;
	// audit rows are never deleted). The sequencer then finds entries
	// waiting for it after the last one it placed, with no index of them
	// to write in every act's transaction. Without it (PostgreSQL, whose
	// sequences are not commit-ordered) an index of waiting entries does.
	SeqsInCommitOrder bool
	// JSONElements is a FROM item, aliased j with one column value, of the
	// elements of the JSON array in the text column %s (SQLite json_each,
	// PostgreSQL jsonb_array_elements); j.value ->> 0 is then an element's
	// first item.
	JSONElements string
	// AnalyzeSQL, when set, refreshes planner statistics (Store.Analyze).
	AnalyzeSQL string
	// MigrationLockSQL, when set, is run inside the migration transaction so
	// that two nodes starting together do not migrate at once.
	MigrationLockSQL string
	// ReadTx and WriteTx are the options of View and Update transactions.
	ReadTx, WriteTx *sql.TxOptions
	// IsRetryable reports whether err is a transient conflict (serialization
	// failure, deadlock, busy database) after which the whole transaction may
	// be run again.
	IsRetryable func(error) bool
	// AfterBegin, when set, runs at the start of every transaction.
	AfterBegin func(ctx context.Context, tx *sql.Tx, write bool) error
}

// rebind turns '?' placeholders into $1, $2, … for numbered dialects. It does
// not look inside string literals: the queries in this package keep literals
// free of question marks.
func (d *Dialect) rebind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// joinKeyword is the join of a search's candidate set to the resources.
func (d *Dialect) joinKeyword() string {
	if d.ForceJoinOrder {
		return "CROSS JOIN"
	}
	return "JOIN"
}
