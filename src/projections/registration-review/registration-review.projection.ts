import type { Projection, ReadModelDb } from '../projection.js';

export const REGISTRATION_REVIEW = 'registration-review';

/**
 * Registrations as staff need them: status, district, contact confirmations, review reasons and
 * signals, the sealed identity (opened only when a council member or operator asks), and the
 * decision. The review queue is the rows flagged and still pending without a decision.
 */
export const registrationReviewProjection: Projection = {
  name: REGISTRATION_REVIEW,
  version: 1,
  description: 'Registrations for staff: status, review queue (reasons, signals), decisions',
  filter: { kind: 'streamName', prefixes: ['registration-'] },
  setUp(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS registration_files (
      registration_id TEXT PRIMARY KEY,
      election_id     TEXT NOT NULL,
      roll_entry_id   TEXT NOT NULL,
      district        TEXT NOT NULL,
      status          TEXT NOT NULL,
      flagged         INTEGER NOT NULL DEFAULT 0,
      review_cleared  INTEGER NOT NULL DEFAULT 0,
      reasons         TEXT NOT NULL DEFAULT '[]',
      signals         TEXT NOT NULL,
      email_confirmed INTEGER NOT NULL DEFAULT 0,
      phone_confirmed INTEGER NOT NULL DEFAULT 0,
      sealed          TEXT NOT NULL,
      decision_reason TEXT,
      submitted_at    TEXT NOT NULL,
      updated_at      TEXT NOT NULL,
      position        INTEGER NOT NULL
    ) STRICT`);
    db.exec('CREATE INDEX IF NOT EXISTS registration_files_queue ON registration_files (election_id, flagged, status, position)');
    db.exec('CREATE INDEX IF NOT EXISTS registration_files_roll ON registration_files (election_id, roll_entry_id)');
  },
  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS registration_files');
  },
  apply(db, event) {
    const data = event.data as Record<string, unknown>;
    const id = data.registrationId as string;
    const at = (data.at as string) ?? event.recordedAt.toISOString();
    const set = (sql: string, ...params: unknown[]) => db.prepare(`UPDATE registration_files SET ${sql}, updated_at = ? WHERE registration_id = ?`).run(...params, at, id);
    switch (event.type) {
      case 'RegistrationSubmitted':
        db.prepare(
          `INSERT OR IGNORE INTO registration_files (registration_id, election_id, roll_entry_id, district, status, signals, sealed, submitted_at, updated_at, position)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
        ).run(id, data.electionId, data.rollEntryId, data.district, JSON.stringify(data.signals), JSON.stringify(data.personalData), at, at, event.position);
        break;
      case 'RegistrationFlagged':
        set('flagged = 1, reasons = ?', JSON.stringify(data.reasons));
        break;
      case 'EmailConfirmed':
        set('email_confirmed = 1');
        break;
      case 'PhoneConfirmed':
        set('phone_confirmed = 1');
        break;
      case 'RegistrationPhoneChanged':
        set("phone_confirmed = CASE status WHEN 'approved' THEN 1 ELSE 0 END");
        break;
      case 'RegistrationReviewCleared':
        set('review_cleared = 1, decision_reason = ?', data.reason);
        break;
      case 'RegistrationApproved':
        set("status = 'approved'");
        break;
      case 'RegistrationRejected':
        set("status = 'rejected', decision_reason = ?", data.reason);
        break;
      case 'RegistrationCancelled':
        set("status = 'cancelled'");
        break;
    }
  },
};

export interface RegistrationFileRow {
  registrationId: string;
  electionId: string;
  rollEntryId: string;
  district: string;
  status: string;
  flagged: boolean;
  reviewCleared: boolean;
  reasons: string[];
  signals: Array<{ kind: string; count: number; limit: number }>;
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
  sealed: string;
  decisionReason: string | null;
  submittedAt: string;
}

interface RawRow {
  registration_id: string;
  election_id: string;
  roll_entry_id: string;
  district: string;
  status: string;
  flagged: number;
  review_cleared: number;
  reasons: string;
  signals: string;
  email_confirmed: number;
  phone_confirmed: number;
  sealed: string;
  decision_reason: string | null;
  submitted_at: string;
}

const toRow = (row: RawRow): RegistrationFileRow => ({
  registrationId: row.registration_id,
  electionId: row.election_id,
  rollEntryId: row.roll_entry_id,
  district: row.district,
  status: row.status,
  flagged: row.flagged === 1,
  reviewCleared: row.review_cleared === 1,
  reasons: JSON.parse(row.reasons) as string[],
  signals: JSON.parse(row.signals) as RegistrationFileRow['signals'],
  emailConfirmed: row.email_confirmed === 1,
  phoneConfirmed: row.phone_confirmed === 1,
  sealed: row.sealed,
  decisionReason: row.decision_reason,
  submittedAt: row.submitted_at,
});

/** The council's queue: flagged, pending, not yet cleared, oldest first. */
export function readReviewQueue(db: ReadModelDb, electionId: string, limit = 100): RegistrationFileRow[] {
  return db
    .prepare<[string, number], RawRow>(
      "SELECT * FROM registration_files WHERE election_id = ? AND flagged = 1 AND review_cleared = 0 AND status = 'pending' ORDER BY position LIMIT ?",
    )
    .all(electionId, limit)
    .map(toRow);
}

export function readRegistrationFile(db: ReadModelDb, registrationId: string): RegistrationFileRow | null {
  const row = db.prepare<[string], RawRow>('SELECT * FROM registration_files WHERE registration_id = ?').get(registrationId);
  return row ? toRow(row) : null;
}

/** Registrations of a roll entry, newest first (operators looking a voter up by roll entry). */
export function readRegistrationFilesOfRollEntry(db: ReadModelDb, electionId: string, rollEntryId: string): RegistrationFileRow[] {
  return db
    .prepare<[string, string], RawRow>('SELECT * FROM registration_files WHERE election_id = ? AND roll_entry_id = ? ORDER BY position DESC')
    .all(electionId, rollEntryId)
    .map(toRow);
}
