import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ReadModelDb } from './projection.js';

/**
 * Opens the node-local read-model database. Read models can always be rebuilt from the log, so
 * they use synchronous=NORMAL: a power cut may lose the last batches, never tear one, and the
 * projection then replays them from its checkpoint.
 */
export function openReadModelDatabase(file: string): ReadModelDb {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name           TEXT    PRIMARY KEY,
    version        INTEGER NOT NULL,
    position       INTEGER,
    events_applied INTEGER NOT NULL,
    last_event_at  INTEGER,
    updated_at     INTEGER NOT NULL
  ) STRICT`);
  return db;
}
