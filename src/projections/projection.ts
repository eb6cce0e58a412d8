import type Database from 'better-sqlite3';
import type { AllFilter, RecordedEvent } from '../infrastructure/event-store/event-store.port.js';

export type ReadModelDb = Database.Database;

/**
 * A read model built from `$all`. The runner calls `apply` inside the same SQLite transaction that
 * moves the projection's checkpoint, so an event is counted exactly once whatever crashes.
 * Changing what a projection stores means bumping `version`: the runner then drops its tables and
 * replays the log from the start.
 */
export interface Projection {
  /** Kebab-case, unique: `ledger-statistics`, `voter-roll`. */
  readonly name: string;
  readonly version: number;
  readonly description: string;
  /** Only these events are applied (the checkpoint still advances past the others). */
  readonly filter?: AllFilter;
  /** Creates the tables if they do not exist. */
  setUp(db: ReadModelDb): void;
  /** Drops every table the projection owns. */
  tearDown(db: ReadModelDb): void;
  /** Applies one event. Deterministic: the same events always give the same rows. */
  apply(db: ReadModelDb, event: RecordedEvent): void;
  /**
   * Columns filled from the personal data vault (opened names, keys derived from them), per table:
   * an auditor rebuilding the read model from the log alone cannot fill them, so `urne audit`
   * leaves them out when it compares its rebuild with the node's read model.
   */
  readonly personalColumns?: Readonly<Record<string, readonly string[]>>;
}
