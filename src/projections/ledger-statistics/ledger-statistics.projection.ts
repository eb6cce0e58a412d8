import type Database from 'better-sqlite3';
import type { Projection, ReadModelDb } from '../projection.js';

/**
 * How many events of each type each stream category holds: the first thing an operator or an
 * auditor looks at, and the reference projection for the runner (it counts, so any event applied
 * twice or lost shows).
 */
export const ledgerStatisticsProjection: Projection = {
  name: 'ledger-statistics',
  version: 1,
  description: 'Event counts per stream category and event type',
  setUp(db: ReadModelDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS ledger_statistics (
      category      TEXT    NOT NULL,
      type          TEXT    NOT NULL,
      events        INTEGER NOT NULL,
      last_position INTEGER NOT NULL,
      PRIMARY KEY (category, type)
    ) STRICT`);
  },
  tearDown(db: ReadModelDb) {
    db.exec('DROP TABLE IF EXISTS ledger_statistics');
  },
  apply(db, event) {
    statement(db).run(event.stream.slice(0, event.stream.indexOf('-')), event.type, event.position);
  },
};

// One prepared statement per database connection, not one per event.
const statements = new WeakMap<ReadModelDb, Database.Statement<[string, string, bigint]>>();
function statement(db: ReadModelDb) {
  let prepared = statements.get(db);
  if (!prepared) {
    prepared = db.prepare<[string, string, bigint]>(`INSERT INTO ledger_statistics (category, type, events, last_position) VALUES (?, ?, 1, ?)
      ON CONFLICT (category, type) DO UPDATE SET events = events + 1, last_position = excluded.last_position`);
    statements.set(db, prepared);
  }
  return prepared;
}

export interface LedgerStatisticsRow {
  category: string;
  type: string;
  events: number;
  lastPosition: bigint;
}

export function readLedgerStatistics(db: ReadModelDb): LedgerStatisticsRow[] {
  return db
    .prepare<[], { category: string; type: string; events: bigint; last_position: bigint }>(
      'SELECT category, type, events, last_position FROM ledger_statistics ORDER BY category, type',
    )
    .safeIntegers(true)
    .all()
    .map((row) => ({ category: row.category, type: row.type, events: Number(row.events), lastPosition: row.last_position }));
}
