import type Database from 'better-sqlite3';
import type { ImportAbandonedData, ImportCompletedData, ImportStartedData } from '../../domain/reference-data/versioned-import.js';
import type { ReadModelDb } from '../projection.js';

/**
 * The bookkeeping of versioned imports shared by the electoral-roll and elected-officials read
 * models: every import and its status, and which one is active per election. Entries of an
 * import are kept while it is in progress (they arrive batch by batch), become the active list
 * when it completes (the previous list's entries are then deleted), and are deleted if it is
 * abandoned. So a reader joining on the active import sees one complete version, never a mix.
 */
export interface ImportTables {
  /** `electoral_roll`: tables `<prefix>_imports`, `<prefix>_active`. */
  prefix: string;
  /** The table of entries, with `election_id` and `import_id` columns. */
  entriesTable: string;
}

export function createImportTables(db: ReadModelDb, tables: ImportTables): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${tables.prefix}_imports (
    election_id  TEXT    NOT NULL,
    import_id    TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,
    source_name  TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('in-progress', 'completed', 'replaced', 'abandoned')),
    rows         INTEGER NOT NULL DEFAULT 0,
    batches      INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT    NOT NULL,
    ended_at     TEXT,
    PRIMARY KEY (election_id, import_id)
  ) STRICT`);
  db.exec(`CREATE TABLE IF NOT EXISTS ${tables.prefix}_active (
    election_id  TEXT    PRIMARY KEY,
    import_id    TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    rows         INTEGER NOT NULL,
    content_hash TEXT    NOT NULL
  ) STRICT`);
}

export function dropImportTables(db: ReadModelDb, tables: ImportTables): void {
  db.exec(`DROP TABLE IF EXISTS ${tables.prefix}_imports`);
  db.exec(`DROP TABLE IF EXISTS ${tables.prefix}_active`);
}

interface Statements {
  started: Database.Statement;
  setStatus: Database.Statement;
  deleteEntries: Database.Statement;
  active: Database.Statement<[string], { import_id: string }>;
  setActive: Database.Statement;
}

const prepared = new WeakMap<ReadModelDb, Map<string, Statements>>();

function statements(db: ReadModelDb, tables: ImportTables): Statements {
  let byPrefix = prepared.get(db);
  if (!byPrefix) prepared.set(db, (byPrefix = new Map()));
  let found = byPrefix.get(tables.prefix);
  if (!found) {
    found = {
      started: db.prepare(`INSERT INTO ${tables.prefix}_imports (election_id, import_id, version, content_hash, source_name, status, started_at)
        VALUES (?, ?, ?, ?, ?, 'in-progress', ?) ON CONFLICT (election_id, import_id) DO NOTHING`),
      setStatus: db.prepare(`UPDATE ${tables.prefix}_imports SET status = ?, rows = coalesce(?, rows), batches = coalesce(?, batches), ended_at = ? WHERE election_id = ? AND import_id = ?`),
      deleteEntries: db.prepare(`DELETE FROM ${tables.entriesTable} WHERE election_id = ? AND import_id = ?`),
      active: db.prepare<[string], { import_id: string }>(`SELECT import_id FROM ${tables.prefix}_active WHERE election_id = ?`),
      setActive: db.prepare(`INSERT INTO ${tables.prefix}_active (election_id, import_id, version, rows, content_hash) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (election_id) DO UPDATE SET import_id = excluded.import_id, version = excluded.version, rows = excluded.rows, content_hash = excluded.content_hash`),
    };
    byPrefix.set(tables.prefix, found);
  }
  return found;
}

export function importStarted(db: ReadModelDb, tables: ImportTables, data: ImportStartedData, at: string): void {
  statements(db, tables).started.run(data.electionId, data.importId, data.version, data.contentHash, data.sourceName, at);
}

export function importAbandoned(db: ReadModelDb, tables: ImportTables, data: ImportAbandonedData, at: string): void {
  const s = statements(db, tables);
  s.setStatus.run('abandoned', null, null, at, data.electionId, data.importId);
  s.deleteEntries.run(data.electionId, data.importId);
}

export function importCompleted(db: ReadModelDb, tables: ImportTables, data: ImportCompletedData, at: string): void {
  const s = statements(db, tables);
  const previous = s.active.get(data.electionId);
  if (previous && previous.import_id !== data.importId) {
    s.setStatus.run('replaced', null, null, at, data.electionId, previous.import_id);
    s.deleteEntries.run(data.electionId, previous.import_id);
  }
  s.setStatus.run('completed', data.rows, data.batches, at, data.electionId, data.importId);
  s.setActive.run(data.electionId, data.importId, data.version, data.rows, data.contentHash);
}
