import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';
import { CheckpointStore } from '../checkpoint-store.js';
import type { Projection, ReadModelDb } from '../projection.js';

export const TURNOUT = 'turnout';

/**
 * Live turnout for the council: per election, round and district, the registered voters and the
 * voters who voted; per election, round and UTC hour, the voters who voted (for the first time) in
 * that hour; when the ballot box opened and closed.
 *
 * - Registered: approved registrations, minus those later cancelled or rejected. The projection
 *   keeps each registration's state (approved or not, and its district), so a cancellation of a
 *   registration that was never approved removes nothing, and nothing is removed twice.
 * - Voted: distinct voters, from `EmargementRecorded` with `revote: false` (a revote, where the
 *   last vote counts, adds no voter). The émargement of a (election, round, registration) is kept
 *   so that the same voter is never counted twice even if the log said "first vote" twice.
 * - Hours: `EmargementRecorded.at` truncated to the UTC hour; revotes are not counted, so the
 *   hours add up to `voted`.
 *
 * Nothing here is about ballot content: the émargement carries no ballot, no credential and no
 * choice, and the ballot box events are read only for their instants.
 */
export const turnoutProjection: Projection = {
  name: TURNOUT,
  version: 1,
  description: 'Turnout per election, round and district (registered, voted), votes per UTC hour, ballot box opening and closing',
  filter: {
    kind: 'eventType',
    prefixes: ['RegistrationApproved', 'RegistrationCancelled', 'RegistrationRejected', 'EmargementRecorded', 'BallotBoxOpened', 'BallotBoxClosed'],
  },

  setUp(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS turnout_registrations (
      registration_id TEXT PRIMARY KEY,
      election_id     TEXT NOT NULL,
      district        TEXT NOT NULL,
      approved        INTEGER NOT NULL
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS turnout_registered (
      election_id TEXT NOT NULL,
      district    TEXT NOT NULL,
      registered  INTEGER NOT NULL,
      PRIMARY KEY (election_id, district)
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS turnout_voters (
      election_id     TEXT NOT NULL,
      round           INTEGER NOT NULL,
      registration_id TEXT NOT NULL,
      PRIMARY KEY (election_id, round, registration_id)
    ) STRICT, WITHOUT ROWID`);
    db.exec(`CREATE TABLE IF NOT EXISTS turnout_voted (
      election_id TEXT NOT NULL,
      round       INTEGER NOT NULL,
      district    TEXT NOT NULL,
      voted       INTEGER NOT NULL,
      PRIMARY KEY (election_id, round, district)
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS turnout_hours (
      election_id TEXT NOT NULL,
      round       INTEGER NOT NULL,
      hour_start  TEXT NOT NULL,
      votes       INTEGER NOT NULL,
      PRIMARY KEY (election_id, round, hour_start)
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS turnout_ballot_box (
      election_id TEXT NOT NULL,
      round       INTEGER NOT NULL,
      opened_at   TEXT,
      closed_at   TEXT,
      PRIMARY KEY (election_id, round)
    ) STRICT`);
  },

  tearDown(db) {
    for (const table of ['turnout_registrations', 'turnout_registered', 'turnout_voters', 'turnout_voted', 'turnout_hours', 'turnout_ballot_box']) {
      db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
  },

  apply(db, event) {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'RegistrationApproved': {
        const id = data.registrationId as string;
        const electionId = data.electionId as string;
        const district = data.district as string;
        const row = db.prepare<[string], { approved: number }>('SELECT approved FROM turnout_registrations WHERE registration_id = ?').get(id);
        if (row?.approved === 1) return;
        db.prepare(
          `INSERT INTO turnout_registrations (registration_id, election_id, district, approved) VALUES (?, ?, ?, 1)
           ON CONFLICT (registration_id) DO UPDATE SET approved = 1, election_id = excluded.election_id, district = excluded.district`,
        ).run(id, electionId, district);
        addRegistered(db, electionId, district, 1);
        return;
      }
      case 'RegistrationCancelled':
      case 'RegistrationRejected': {
        const id = data.registrationId as string;
        const row = db
          .prepare<[string], { election_id: string; district: string; approved: number }>('SELECT election_id, district, approved FROM turnout_registrations WHERE registration_id = ?')
          .get(id);
        if (row?.approved !== 1) return;
        db.prepare('UPDATE turnout_registrations SET approved = 0 WHERE registration_id = ?').run(id);
        // The district it was counted in (the one it was approved in).
        addRegistered(db, row.election_id, row.district, -1);
        return;
      }
      case 'EmargementRecorded': {
        if (data.revote === true) return;
        const electionId = data.electionId as string;
        const round = Number(data.round);
        const inserted = db
          .prepare('INSERT OR IGNORE INTO turnout_voters (election_id, round, registration_id) VALUES (?, ?, ?)')
          .run(electionId, round, data.registrationId as string).changes;
        if (inserted === 0) return;
        db.prepare(
          `INSERT INTO turnout_voted (election_id, round, district, voted) VALUES (?, ?, ?, 1)
           ON CONFLICT (election_id, round, district) DO UPDATE SET voted = voted + 1`,
        ).run(electionId, round, data.district as string);
        db.prepare(
          `INSERT INTO turnout_hours (election_id, round, hour_start, votes) VALUES (?, ?, ?, 1)
           ON CONFLICT (election_id, round, hour_start) DO UPDATE SET votes = votes + 1`,
        ).run(electionId, round, hourStart(data.at, event));
        return;
      }
      case 'BallotBoxOpened':
      case 'BallotBoxClosed': {
        const column = event.type === 'BallotBoxOpened' ? 'opened_at' : 'closed_at';
        db.prepare(
          `INSERT INTO turnout_ballot_box (election_id, round, ${column}) VALUES (?, ?, ?)
           ON CONFLICT (election_id, round) DO UPDATE SET ${column} = excluded.${column}`,
        ).run(data.electionId as string, Number(data.round), instant(data.at, event));
        return;
      }
      default:
        return;
    }
  },
};

function addRegistered(db: ReadModelDb, electionId: string, district: string, delta: 1 | -1): void {
  db.prepare(
    `INSERT INTO turnout_registered (election_id, district, registered) VALUES (?, ?, ?)
     ON CONFLICT (election_id, district) DO UPDATE SET registered = registered + excluded.registered`,
  ).run(electionId, district, delta);
}

/** The event's `at` as ISO 8601 UTC (the recording time if `at` is missing or unreadable). */
function instant(at: unknown, event: RecordedEvent): string {
  const date = typeof at === 'string' ? new Date(at) : new Date(Number.NaN);
  return (Number.isNaN(date.getTime()) ? event.recordedAt : date).toISOString();
}

/** `2013-05-31T06:12:34.000Z` → `2013-05-31T06:00:00.000Z`. */
export function hourStart(at: unknown, event: RecordedEvent): string {
  const date = new Date(instant(at, event));
  date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

export interface DistrictTurnout {
  district: string;
  registered: number;
  voted: number;
  turnoutPercent: number | null;
}

export interface TurnoutFigures {
  electionId: string;
  round: number;
  registered: number;
  voted: number;
  turnoutPercent: number | null;
  byDistrict: DistrictTurnout[];
  byHour: Array<{ hourStart: string; votes: number }>;
  ballotBoxOpenedAt: string | null;
  ballotBoxClosedAt: string | null;
  /** The `$all` position the projection had applied when these figures were read (null: none yet). */
  position: string | null;
}

/** voted / registered in percent, one decimal; null when nobody is registered. */
export function turnoutPercent(voted: number, registered: number): number | null {
  return registered === 0 ? null : Math.round((voted * 1000) / registered) / 10;
}

const byDistrictName = (a: { district: string }, b: { district: string }) => a.district.localeCompare(b.district, 'en', { numeric: true });

/** The figures of one election and round, and the position they were computed at, in one read transaction. */
export function readTurnout(db: ReadModelDb, electionId: string, round: number): TurnoutFigures {
  const checkpoints = new CheckpointStore(db);
  return db.transaction(() => {
    const registered = db
      .prepare<[string], { district: string; registered: number }>('SELECT district, registered FROM turnout_registered WHERE election_id = ?')
      .all(electionId);
    const voted = db
      .prepare<[string, number], { district: string; voted: number }>('SELECT district, voted FROM turnout_voted WHERE election_id = ? AND round = ?')
      .all(electionId, round);
    const districts = new Map<string, DistrictTurnout>();
    const district = (name: string) => {
      let row = districts.get(name);
      if (!row) districts.set(name, (row = { district: name, registered: 0, voted: 0, turnoutPercent: null }));
      return row;
    };
    for (const row of registered) district(row.district).registered = row.registered;
    for (const row of voted) district(row.district).voted = row.voted;
    const byDistrict = [...districts.values()]
      .filter((row) => row.registered !== 0 || row.voted !== 0)
      .map((row) => ({ ...row, turnoutPercent: turnoutPercent(row.voted, row.registered) }))
      .sort(byDistrictName);
    const byHour = db
      .prepare<[string, number], { hourStart: string; votes: number }>(
        'SELECT hour_start AS hourStart, votes FROM turnout_hours WHERE election_id = ? AND round = ? ORDER BY hour_start',
      )
      .all(electionId, round);
    const box = db
      .prepare<[string, number], { opened_at: string | null; closed_at: string | null }>('SELECT opened_at, closed_at FROM turnout_ballot_box WHERE election_id = ? AND round = ?')
      .get(electionId, round);
    const totalRegistered = byDistrict.reduce((sum, row) => sum + row.registered, 0);
    const totalVoted = byDistrict.reduce((sum, row) => sum + row.voted, 0);
    return {
      electionId,
      round,
      registered: totalRegistered,
      voted: totalVoted,
      turnoutPercent: turnoutPercent(totalVoted, totalRegistered),
      byDistrict,
      byHour,
      ballotBoxOpenedAt: box?.opened_at ?? null,
      ballotBoxClosedAt: box?.closed_at ?? null,
      position: checkpoints.get(TURNOUT)?.position?.toString() ?? null,
    };
  })();
}
