/**
 * The baseline: better-sqlite3 used directly, with the event store's own table (EVENTS_TABLE) and
 * pragmas (applyPragmas), rows serialised ahead of time and revisions computed by the caller. What
 * is left between it and SqliteEventStore is our code: validation, serialisation, the
 * expected-state check, promises.
 *
 * Scenarios interleave baseline and measured work in small chunks, so that both see the same
 * machine (the disk and CPUs are shared with whatever else runs).
 */
import Database from 'better-sqlite3';
import { applyPragmas, EVENTS_TABLE, type SqliteSynchronous } from '../../src/infrastructure/event-store/sqlite/schema.js';
import type { RawRow } from './events.js';

const INSERT = 'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

export class RawEventTable {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertMany: Database.Transaction<(stream: string, rows: readonly RawRow[]) => void>;

  constructor(file: string, synchronous: SqliteSynchronous) {
    this.db = new Database(file);
    applyPragmas(this.db, { synchronous, busyTimeoutMs: 10_000 });
    this.db.exec(EVENTS_TABLE);
    this.insert = this.db.prepare(INSERT);
    this.insertMany = this.db.transaction((stream: string, rows: readonly RawRow[]) => {
      const recordedAt = Date.now();
      for (let revision = 0; revision < rows.length; revision++) {
        const row = rows[revision]!;
        this.insert.run(stream, revision, row.id, row.type, row.data, row.metadata, recordedAt);
      }
    });
  }

  /** One transaction; the rows take revisions 0, 1, 2... of a new stream. */
  insertBatch(stream: string, rows: readonly RawRow[]): void {
    this.insertMany(stream, rows);
  }

  /** One INSERT in its own (autocommit) transaction. */
  insertOne(stream: string, revision: number, row: RawRow): void {
    this.insert.run(stream, revision, row.id, row.type, row.data, row.metadata, Date.now());
  }

  close(): void {
    this.db.close();
  }
}
