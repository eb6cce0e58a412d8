import type { Projection, ReadModelDb } from '../projection.js';

export const REGISTRATION_COUNTS = 'registration-counts';

/** Public counters: registrations submitted, approved, rejected and cancelled, per district and per (UTC) day. */
export const registrationCountsProjection: Projection = {
  name: REGISTRATION_COUNTS,
  version: 1,
  description: 'Registration counts by district and by day (public)',
  filter: { kind: 'eventType', prefixes: ['RegistrationSubmitted', 'RegistrationApproved', 'RegistrationRejected', 'RegistrationCancelled'] },
  setUp(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS registration_counts (
      election_id TEXT NOT NULL,
      district    TEXT NOT NULL,
      day         TEXT NOT NULL,
      submitted   INTEGER NOT NULL DEFAULT 0,
      approved    INTEGER NOT NULL DEFAULT 0,
      rejected    INTEGER NOT NULL DEFAULT 0,
      cancelled   INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (election_id, district, day)
    ) STRICT`);
  },
  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS registration_counts');
  },
  apply(db, event) {
    const column = { RegistrationSubmitted: 'submitted', RegistrationApproved: 'approved', RegistrationRejected: 'rejected', RegistrationCancelled: 'cancelled' }[event.type];
    if (!column) return;
    const data = event.data as { electionId: string; district: string; at: string };
    db.prepare(
      `INSERT INTO registration_counts (election_id, district, day, ${column}) VALUES (?, ?, ?, 1)
       ON CONFLICT (election_id, district, day) DO UPDATE SET ${column} = ${column} + 1`,
    ).run(data.electionId, data.district, data.at.slice(0, 10));
  },
};

export interface RegistrationCountRow {
  district: string;
  day: string;
  submitted: number;
  approved: number;
  rejected: number;
  cancelled: number;
}

export function readRegistrationCounts(db: ReadModelDb, electionId: string): RegistrationCountRow[] {
  return db
    .prepare<[string], RegistrationCountRow>('SELECT district, day, submitted, approved, rejected, cancelled FROM registration_counts WHERE election_id = ? ORDER BY day, district')
    .all(electionId);
}
