import type Database from 'better-sqlite3';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

const SCHEMA_VERSION = 1;

/**
 * The pragmas every connection to the event store uses. The benchmark's raw baseline applies the
 * same ones, so that the comparison measures our code and not a setting.
 */
export function applyPragmas(db: Database.Database, options: { synchronous: SqliteSynchronous; busyTimeoutMs: number }): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  db.pragma('foreign_keys = ON');
}

/**
 * One table. `position` is the rowid: assigned as max + 1 inside the write transaction, so
 * positions have no gaps and follow commit order. `(stream, revision)` is unique, which is the
 * last line of defence against two writers taking the same revision.
 */
export const EVENTS_TABLE = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    id          TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, revision)
  ) STRICT`;

export function createSchema(db: Database.Database): void {
  db.exec(EVENTS_TABLE);
  db.exec('CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  const row = db.prepare<[], { value: string }>("SELECT value FROM store_info WHERE key = 'schema_version'").get();
  if (!row) {
    db.prepare("INSERT OR IGNORE INTO store_info (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  } else if (Number(row.value) > SCHEMA_VERSION) {
    throw new Error(`the file was written by a newer Urne (event store schema ${row.value}, this one knows ${SCHEMA_VERSION})`);
  }
}
