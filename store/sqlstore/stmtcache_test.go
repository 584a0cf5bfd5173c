package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" for this test
	"github.com/yitong-health/yitong/store"
)

// TestStatementCache checks that a statement prepared in one transaction
// is reused by the next ones (on the writer's single connection, without
// waiting for it while a transaction holds it) instead of being prepared
// anew, and that it still runs correctly from the cache.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	writer, err := sql.Open("sqlite3", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	writer.SetMaxOpenConns(1) // as the SQLite backend: a prepare on the DB inside a transaction would wait forever
	reader, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	s := New(&Dialect{Name: "sqlite", CacheStatements: true}, writer, reader, nil)
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	const ins = `INSERT INTO t (k, v) VALUES (?, ?)`
	var missed []int
	for k := 1; k <= 3; k++ {
		var tt *tx
		if err := s.Update(ctx, func(x store.Tx) error {
			tt = x.(*tx)
			_, err := tt.exec(ctx, ins, k, "v")
			return err
		}); err != nil {
			t.Fatalf("insert %d: %v", k, err)
		}
		missed = append(missed, len(tt.missed))
	}
	if missed[0] != 1 || missed[1] != 0 || missed[2] != 0 {
		t.Errorf("statements each transaction prepared itself = %v, want [1 0 0]", missed)
	}
	if s.writerStmts.get(ins) == nil {
		t.Errorf("the insert is not in the writer's cache")
	}
	var n int
	if err := s.View(ctx, func(x store.Tx) error {
		rows, err := x.(*tx).query(ctx, `SELECT count(*) FROM t`)
		if err != nil {
			return err
		}
		defer rows.Close()
		rows.Next()
		return rows.Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("rows = %d, want 3", n)
	}
}

func TestStatementRows(t *testing.T) {
	for _, c := range []struct {
		n, limit int
		want     []int
	}{
		{0, 100, nil},
		{1, 100, []int{1}},
		{5, 100, []int{4, 1}},
		{100, 1000, []int{64, 16, 16, 4}},
		{300, 1000, []int{256, 16, 16, 4, 4, 4}},
		{300, 100, []int{64, 64, 64, 64, 16, 16, 4, 4, 4}},
		{3, 0, []int{1, 1, 1}},
	} {
		got := statementRows(c.n, c.limit)
		if !slices.Equal(got, c.want) {
			t.Errorf("statementRows(%d, %d) = %v, want %v", c.n, c.limit, got, c.want)
		}
		sum := 0
		for _, n := range got {
			sum += n
		}
		if sum != c.n {
			t.Errorf("statementRows(%d, %d) covers %d rows", c.n, c.limit, sum)
		}
	}
}
