// Package crashtest holds Yitong's crash durability tests (QUALITY.md,
// reliability item 3): the real `yitong` binary is killed with SIGKILL while
// it writes, restarted on the same database, and checked for lost
// acknowledged writes, half-applied transactions and database damage, on
// SQLite and PostgreSQL. The package has no code of its own; run it with
//
//	go test ./crashtest/            (5 kill cycles per backend)
//	go test -short ./crashtest/     (2 kill cycles per backend)
//
// PostgreSQL is found as in store/storetest (YITONG_TEST_POSTGRES).
package crashtest
