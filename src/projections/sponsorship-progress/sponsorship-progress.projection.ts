import type { SponsorKind } from '../../domain/election/election.rules.js';
import { BALLOT_ORDER_STREAM_CATEGORY, CANDIDATE_STREAM_CATEGORY, SPONSOR_STREAM_CATEGORY, type BallotOrderEvent, type CandidateEvent, type SponsorEvent } from '../../domain/candidacy/candidacy.events.js';
import type { SponsorTally } from '../../domain/candidacy/candidacy.rules.js';
import type { Projection, ReadModelDb } from '../projection.js';

const PREFIXES = [`${CANDIDATE_STREAM_CATEGORY}-`, `${SPONSOR_STREAM_CATEGORY}-`, `${BALLOT_ORDER_STREAM_CATEGORY}-`];

/**
 * Candidates, their sponsorships and the ballot order, per election: what the public
 * `sponsorshipProgress` and `candidates` queries read, and what certification counts on.
 * Sponsorships are counted from SponsorshipGiven (the sponsor streams are the source of truth);
 * the thresholds come from the election's rules at query time (they are fixed once declared).
 */
export const sponsorshipProgressProjection: Projection = {
  name: 'sponsorship-progress',
  version: 1,
  description: 'Candidates, sponsorships per kind and district, and the official ballot order',
  // No filter (see election-timeline): other events are skipped in apply.
  setUp(db: ReadModelDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS candidacy_candidates (
      election_id  TEXT NOT NULL,
      candidate_id TEXT NOT NULL,
      name         TEXT NOT NULL,
      party        TEXT,
      declared_at  TEXT NOT NULL,
      position     INTEGER NOT NULL,
      certified_at TEXT,
      withdrawn_at TEXT,
      withdrawal_reason TEXT,
      PRIMARY KEY (election_id, candidate_id)
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS candidacy_sponsorships (
      election_id  TEXT NOT NULL,
      sponsor_kind TEXT NOT NULL,
      sponsor_id   TEXT NOT NULL,
      candidate_id TEXT NOT NULL,
      district     TEXT NOT NULL,
      position     INTEGER NOT NULL,
      PRIMARY KEY (election_id, sponsor_kind, sponsor_id)
    ) STRICT`);
    db.exec('CREATE INDEX IF NOT EXISTS candidacy_sponsorships_by_candidate ON candidacy_sponsorships (election_id, candidate_id, sponsor_kind)');
    db.exec(`CREATE TABLE IF NOT EXISTS candidacy_ballot_order (
      election_id   TEXT PRIMARY KEY,
      candidate_ids TEXT NOT NULL,
      reason        TEXT NOT NULL,
      set_at        TEXT NOT NULL,
      position      INTEGER NOT NULL
    ) STRICT`);
  },
  tearDown(db: ReadModelDb) {
    db.exec('DROP TABLE IF EXISTS candidacy_ballot_order');
    db.exec('DROP TABLE IF EXISTS candidacy_sponsorships');
    db.exec('DROP TABLE IF EXISTS candidacy_candidates');
  },
  apply(db, event) {
    if (!PREFIXES.some((prefix) => event.stream.startsWith(prefix))) return;
    const e = { type: event.type, data: event.data } as unknown as CandidateEvent | SponsorEvent | BallotOrderEvent;
    switch (e.type) {
      case 'CandidateDeclared':
        db.prepare(`INSERT OR IGNORE INTO candidacy_candidates (election_id, candidate_id, name, party, declared_at, position) VALUES (?, ?, ?, ?, ?, ?)`).run(
          e.data.electionId, e.data.candidateId, e.data.name, e.data.party, e.data.declaredAt, event.position,
        );
        return;
      case 'CandidateCertified':
        db.prepare('UPDATE candidacy_candidates SET certified_at = ? WHERE election_id = ? AND candidate_id = ?').run(e.data.certifiedAt, e.data.electionId, e.data.candidateId);
        return;
      case 'CandidateWithdrawn':
        db.prepare('UPDATE candidacy_candidates SET withdrawn_at = ?, withdrawal_reason = ? WHERE election_id = ? AND candidate_id = ?').run(e.data.withdrawnAt, e.data.reason, e.data.electionId, e.data.candidateId);
        return;
      case 'SponsorshipGiven':
        db.prepare('INSERT OR IGNORE INTO candidacy_sponsorships (election_id, sponsor_kind, sponsor_id, candidate_id, district, position) VALUES (?, ?, ?, ?, ?, ?)').run(
          e.data.electionId, e.data.sponsorKind, e.data.sponsorId, e.data.candidateId, e.data.district, event.position,
        );
        return;
      case 'BallotOrderSet':
        db.prepare(`INSERT INTO candidacy_ballot_order (election_id, candidate_ids, reason, set_at, position) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (election_id) DO UPDATE SET candidate_ids = excluded.candidate_ids, reason = excluded.reason, set_at = excluded.set_at, position = excluded.position`).run(
          e.data.electionId, JSON.stringify(e.data.candidateIds), e.data.reason, e.data.setAt, event.position,
        );
        return;
    }
  },
};

export interface CandidateRow {
  candidateId: string;
  name: string;
  party: string | null;
  declaredAt: string;
  certifiedAt: string | null;
  withdrawnAt: string | null;
  withdrawalReason: string | null;
}

type RawCandidate = { candidate_id: string; name: string; party: string | null; declared_at: string; certified_at: string | null; withdrawn_at: string | null; withdrawal_reason: string | null };
const toCandidate = (row: RawCandidate): CandidateRow => ({
  candidateId: row.candidate_id,
  name: row.name,
  party: row.party,
  declaredAt: row.declared_at,
  certifiedAt: row.certified_at,
  withdrawnAt: row.withdrawn_at,
  withdrawalReason: row.withdrawal_reason,
});

/** The candidates of an election, in order of declaration. */
export function readCandidates(db: ReadModelDb, electionId: string): CandidateRow[] {
  return (db.prepare('SELECT * FROM candidacy_candidates WHERE election_id = ? ORDER BY position').all(electionId) as RawCandidate[]).map(toCandidate);
}

/** Sponsors per kind and distinct districts of one candidate. */
export function readTallies(db: ReadModelDb, electionId: string, candidateId: string): SponsorTally[] {
  return (
    db
      .prepare(`SELECT sponsor_kind, COUNT(*) AS sponsors, COUNT(DISTINCT NULLIF(district, '')) AS districts FROM candidacy_sponsorships WHERE election_id = ? AND candidate_id = ? GROUP BY sponsor_kind`)
      .all(electionId, candidateId) as Array<{ sponsor_kind: string; sponsors: number; districts: number }>
  ).map((row) => ({ sponsorKind: row.sponsor_kind as SponsorKind, sponsors: row.sponsors, distinctDistricts: row.districts }));
}

/** Sponsors per district of one candidate and kind (the arrondissement spread), by district. */
export function readSpread(db: ReadModelDb, electionId: string, candidateId: string, sponsorKind: SponsorKind): Array<{ district: string; sponsors: number }> {
  return db
    .prepare('SELECT district, COUNT(*) AS sponsors FROM candidacy_sponsorships WHERE election_id = ? AND candidate_id = ? AND sponsor_kind = ? GROUP BY district ORDER BY district')
    .all(electionId, candidateId, sponsorKind) as Array<{ district: string; sponsors: number }>;
}

export function readBallotOrder(db: ReadModelDb, electionId: string): { candidateIds: string[]; reason: string; setAt: string } | null {
  const row = db.prepare('SELECT candidate_ids, reason, set_at FROM candidacy_ballot_order WHERE election_id = ?').get(electionId) as { candidate_ids: string; reason: string; set_at: string } | undefined;
  return row ? { candidateIds: JSON.parse(row.candidate_ids) as string[], reason: row.reason, setAt: row.set_at } : null;
}
