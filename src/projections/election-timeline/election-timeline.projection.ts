import type Database from 'better-sqlite3';
import { electionDecider, type ElectionState } from '../../domain/election/election.decider.js';
import { ELECTION_STREAM_CATEGORY, type ElectionEvent } from '../../domain/election/election.events.js';
import type { Projection, ReadModelDb } from '../projection.js';

const STREAM_PREFIX = `${ELECTION_STREAM_CATEGORY}-`;

/**
 * Every election's current configuration (its folded state: rules and the dates in force) and the
 * timeline of every event of its stream: declaration, each date change with its reason, who
 * recorded it and when, cancellation. Public: this is how anyone sees that a deadline moved, when,
 * why and by whose decision.
 */
export const electionTimelineProjection: Projection = {
  name: 'election-timeline',
  version: 1,
  description: "Each election's configuration and the timeline of its rule and date changes",
  // No `filter`: with one, the runner's checkpoint only moves on matching events, so a rebuild
  // waiting for the head (and the lag figures) would wait for an election event that may never
  // come. Every event is delivered and the others are skipped in `apply` (a prefix test).
  setUp(db: ReadModelDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS election_timeline_elections (
      election_id   TEXT    PRIMARY KEY,
      state         TEXT    NOT NULL,
      events        INTEGER NOT NULL,
      last_position INTEGER NOT NULL
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS election_timeline_entries (
      election_id TEXT    NOT NULL,
      revision    INTEGER NOT NULL,
      position    INTEGER NOT NULL,
      event_id    TEXT    NOT NULL,
      type        TEXT    NOT NULL,
      recorded_at TEXT    NOT NULL,
      occurred_at TEXT    NOT NULL,
      actor       TEXT,
      data        TEXT    NOT NULL,
      PRIMARY KEY (election_id, revision)
    ) STRICT`);
  },
  tearDown(db: ReadModelDb) {
    db.exec('DROP TABLE IF EXISTS election_timeline_entries');
    db.exec('DROP TABLE IF EXISTS election_timeline_elections');
  },
  apply(db, event) {
    if (!event.stream.startsWith(STREAM_PREFIX)) return;
    const electionId = event.stream.slice(STREAM_PREFIX.length);
    const s = statements(db);
    const row = s.selectState.get(electionId);
    const before: ElectionState = row ? (JSON.parse(row.state) as ElectionState) : electionDecider.initialState();
    const after = electionDecider.evolve(before, { type: event.type, data: event.data } as unknown as ElectionEvent);
    s.upsertState.run(electionId, JSON.stringify(after), event.position);
    s.insertEntry.run(
      electionId,
      event.revision,
      event.position,
      event.id,
      event.type,
      event.recordedAt.toISOString(),
      event.metadata.occurredAt,
      event.metadata.actor ?? null,
      JSON.stringify(event.data),
    );
  },
};

interface Statements {
  selectState: Database.Statement<[string], { state: string }>;
  upsertState: Database.Statement<[string, string, bigint]>;
  insertEntry: Database.Statement<[string, bigint, bigint, string, string, string, string, string | null, string]>;
}

// One set of prepared statements per database connection, not one per event.
const prepared = new WeakMap<ReadModelDb, Statements>();
function statements(db: ReadModelDb): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      selectState: db.prepare<[string], { state: string }>('SELECT state FROM election_timeline_elections WHERE election_id = ?'),
      upsertState: db.prepare<[string, string, bigint]>(`INSERT INTO election_timeline_elections (election_id, state, events, last_position) VALUES (?, ?, 1, ?)
        ON CONFLICT (election_id) DO UPDATE SET state = excluded.state, events = events + 1, last_position = excluded.last_position`),
      insertEntry: db.prepare(`INSERT INTO election_timeline_entries (election_id, revision, position, event_id, type, recorded_at, occurred_at, actor, data)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
    prepared.set(db, s);
  }
  return s;
}

export interface ElectionTimelineEntry {
  electionId: string;
  revision: bigint;
  position: bigint;
  eventId: string;
  type: string;
  recordedAt: string;
  occurredAt: string;
  actor: string | null;
  data: Record<string, unknown>;
}

/** The election's folded state (not-declared when the read model has not seen it) and its entries, oldest first. */
export function readElectionTimeline(db: ReadModelDb, electionId: string): { state: ElectionState; entries: ElectionTimelineEntry[] } {
  const row = statements(db).selectState.get(electionId);
  const entries = db
    .prepare<[string], { revision: bigint; position: bigint; event_id: string; type: string; recorded_at: string; occurred_at: string; actor: string | null; data: string }>(
      `SELECT revision, position, event_id, type, recorded_at, occurred_at, actor, data FROM election_timeline_entries WHERE election_id = ? ORDER BY revision`,
    )
    .safeIntegers(true)
    .all(electionId)
    .map((entry) => ({
      electionId,
      revision: entry.revision,
      position: entry.position,
      eventId: entry.event_id,
      type: entry.type,
      recordedAt: entry.recorded_at,
      occurredAt: entry.occurred_at,
      actor: entry.actor,
      data: JSON.parse(entry.data) as Record<string, unknown>,
    }));
  return { state: row ? (JSON.parse(row.state) as ElectionState) : electionDecider.initialState(), entries };
}

/** Every election the read model knows, by id. */
export function readElectionStates(db: ReadModelDb): ElectionState[] {
  return db
    .prepare<[], { state: string }>('SELECT state FROM election_timeline_elections ORDER BY election_id')
    .all()
    .map((row) => JSON.parse(row.state) as ElectionState);
}
