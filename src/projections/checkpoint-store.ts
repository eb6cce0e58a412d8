import type Database from 'better-sqlite3';
import type { ReadModelDb } from './projection.js';

export interface Checkpoint {
  name: string;
  version: number;
  /** The position of the last event applied, or null before the first. */
  position: bigint | null;
  eventsApplied: number;
  /** recordedAt of the last event applied. */
  lastEventAt: Date | null;
}

interface Row {
  name: string;
  version: bigint;
  position: bigint | null;
  events_applied: bigint;
  last_event_at: bigint | null;
}

/** Reads and writes projection checkpoints; every call runs inside the caller's transaction. */
export class CheckpointStore {
  private readonly select: Database.Statement<[string], Row>;
  private readonly upsert: Database.Statement;

  constructor(db: ReadModelDb) {
    this.select = db.prepare<[string], Row>('SELECT name, version, position, events_applied, last_event_at FROM projection_checkpoints WHERE name = ?').safeIntegers(true);
    this.upsert = db.prepare(`INSERT INTO projection_checkpoints (name, version, position, events_applied, last_event_at, updated_at)
      VALUES (@name, @version, @position, @eventsApplied, @lastEventAt, @updatedAt)
      ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = excluded.position, events_applied = excluded.events_applied,
        last_event_at = excluded.last_event_at, updated_at = excluded.updated_at`);
  }

  get(name: string): Checkpoint | null {
    const row = this.select.get(name);
    if (!row) return null;
    return {
      name: row.name,
      version: Number(row.version),
      position: row.position,
      eventsApplied: Number(row.events_applied),
      lastEventAt: row.last_event_at === null ? null : new Date(Number(row.last_event_at)),
    };
  }

  put(checkpoint: Checkpoint): void {
    this.upsert.run({
      name: checkpoint.name,
      version: checkpoint.version,
      position: checkpoint.position,
      eventsApplied: checkpoint.eventsApplied,
      lastEventAt: checkpoint.lastEventAt?.getTime() ?? null,
      updatedAt: Date.now(),
    });
  }
}
