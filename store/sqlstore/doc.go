// Package sqlstore is the one implementation of store.Store over
// database/sql, shared by the SQLite and PostgreSQL backends. A Dialect
// supplies what differs between them: placeholders, migrations, locking and
// transaction options. The SQL here is written with '?' placeholders and
// rebound once per statement for dialects that number them.
package sqlstore
