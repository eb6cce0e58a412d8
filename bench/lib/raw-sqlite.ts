/**
 * The baseline: better-sqlite3 used directly, with the event store's own table (EVENTS_TABLE) and
 * pragmas (applyPragmas), rows serialised ahead of time and revisions computed in the loop. What
 * is left between it and SqliteEventStore is our code: validation, serialisation, the
 * expected-state check, promises.
 */
import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { applyPragmas, EVENTS_TABLE, type SqliteSynchronous } from '../../src/infrastructure/event-store/sqlite/schema.js';
import { makeBatch, toRawRows, type RawRow } from './events.js';
import { progress } from './scenario.js';

const INSERT = 'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

function open(file: string, synchronous: SqliteSynchronous): Database.Database {
  const db = new Database(file);
  applyPragmas(db, { synchronous, busyTimeoutMs: 10_000 });
  db.exec(EVENTS_TABLE);
  return db;
}

/** Inserts `total` rows in transactions of `batchSize` (one stream per transaction). Returns rows/s. */
export function rawBatchedInserts(file: string, total: number, batchSize: number, streamOf: (batch: number) => string): number {
  const db = open(file, 'FULL');
  const insert = db.prepare(INSERT);
  const insertBatch = db.transaction((stream: string, rows: RawRow[]) => {
    const recordedAt = Date.now();
    for (let revision = 0; revision < rows.length; revision++) {
      const row = rows[revision]!;
      insert.run(stream, revision, row.id, row.type, row.data, row.metadata, recordedAt);
    }
  });
  let elapsedMs = 0;
  let done = 0;
  for (let batch = 0; done < total; batch++) {
    const count = Math.min(batchSize, total - done);
    const stream = streamOf(batch);
    const rows = toRawRows(makeBatch(done, stream, 0, count));
    const start = performance.now();
    insertBatch(stream, rows);
    elapsedMs += performance.now() - start;
    done += count;
    progress(`raw baseline: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} rows`);
  }
  db.close();
  return total / (elapsedMs / 1000);
}

/** One INSERT per transaction (autocommit), each on its own stream. Returns rows/s. */
export function rawSingleInserts(file: string, total: number, synchronous: SqliteSynchronous, streamOf: (i: number) => string): number {
  const db = open(file, synchronous);
  const insert = db.prepare(INSERT);
  let elapsedMs = 0;
  for (let i = 0; i < total; i++) {
    const stream = streamOf(i);
    const revision = i & 1;
    const [row] = toRawRows(makeBatch(i, stream, revision, 1));
    const start = performance.now();
    insert.run(stream, revision, row!.id, row!.type, row!.data, row!.metadata, Date.now());
    elapsedMs += performance.now() - start;
    progress(`raw baseline ${synchronous}: ${(i + 1).toLocaleString('en')} / ${total.toLocaleString('en')}`);
  }
  db.close();
  return total / (elapsedMs / 1000);
}
