import type { PersonalDataVault } from '../../application/ports/personal-data-vault.js';
import { normaliseName } from '../../domain/reference-data/normalise.js';
import { ERASED, type SealedPersonalData } from '../../domain/shared/personal-data.js';
import { electoralRollProjection } from '../electoral-roll/electoral-roll.projection.js';
import { personalDataVaultOf, withinVaultSnapshot } from '../electoral-roll/read-model-vault.js';
import type { Projection, ReadModelDb } from '../projection.js';

export const VOTER_ROLL = 'voter-roll';

/** Sorts erased names (and names not opened yet) after every real name. */
const LAST = '\uffff';

export type VoterRollStatus = 'submitted' | 'in-review' | 'approved' | 'rejected' | 'cancelled';
export const VOTER_ROLL_STATUSES: readonly VoterRollStatus[] = ['submitted', 'in-review', 'approved', 'rejected', 'cancelled'];

/**
 * The voter roll for council and operators: every registration of an election with its status
 * (submitted, in-review, approved, rejected, cancelled), district, roll entry, submission and
 * decision times, and, for staff search, the names opened with this node's vault plus normalised
 * search keys (`normaliseName`: case, accents, hyphens, apostrophes and spaces ignored).
 *
 * Rows are ordered by (last_key, first_key, registration_id): stable, so cursor pagination never
 * skips nor repeats a row. `PersonalDataErased { subject }` blanks the names of that registration
 * ('[erased]'; keys sort last). Without a vault attached (a rebuild outside the server) the sealed
 * value is kept and `openPendingNames` opens it on the first read by the server.
 */
export const voterRollProjection: Projection = {
  name: VOTER_ROLL,
  version: 1,
  description: 'The voter roll per election for staff: registrations, status, district, opened names and search keys',
  filter: { kind: 'streamName', prefixes: ['registration-', 'erasure-'] },
  personalColumns: { voter_roll: ['sealed', 'last_name', 'first_names', 'last_key', 'first_key', 'name_key', 'reverse_key', 'erased'] },

  setUp(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS voter_roll (
      registration_id TEXT PRIMARY KEY,
      election_id     TEXT NOT NULL,
      roll_entry_id   TEXT NOT NULL,
      district        TEXT NOT NULL,
      status          TEXT NOT NULL,
      flagged         INTEGER NOT NULL DEFAULT 0,
      review_cleared  INTEGER NOT NULL DEFAULT 0,
      subject         TEXT NOT NULL,
      sealed          TEXT,
      last_name       TEXT,
      first_names     TEXT,
      last_key        TEXT NOT NULL,
      first_key       TEXT NOT NULL,
      name_key        TEXT NOT NULL,
      reverse_key     TEXT NOT NULL,
      erased          INTEGER NOT NULL DEFAULT 0,
      submitted_at    TEXT NOT NULL,
      decided_at      TEXT
    ) STRICT`);
    db.exec('CREATE INDEX IF NOT EXISTS voter_roll_order ON voter_roll (election_id, last_key, first_key, registration_id)');
    db.exec('CREATE INDEX IF NOT EXISTS voter_roll_subject ON voter_roll (subject)');
    db.exec('CREATE INDEX IF NOT EXISTS voter_roll_entry ON voter_roll (election_id, roll_entry_id)');
    db.exec('CREATE INDEX IF NOT EXISTS voter_roll_pending ON voter_roll (election_id) WHERE sealed IS NOT NULL');
  },

  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS voter_roll');
  },

  apply(db, event) {
    const data = event.data as Record<string, unknown>;
    const id = data.registrationId as string;
    const at = (data.at as string | undefined) ?? event.recordedAt.toISOString();
    const set = (sql: string, ...params: unknown[]) => db.prepare(`UPDATE voter_roll SET ${sql} WHERE registration_id = ?`).run(...params, id);
    switch (event.type) {
      case 'RegistrationSubmitted': {
        const sealed = data.personalData as SealedPersonalData;
        const vault = personalDataVaultOf(db);
        const names = vault === undefined ? undefined : openNames(vault, sealed);
        const row = names === undefined ? keysOf(undefined) : keysOf(names);
        db.prepare(
          `INSERT OR IGNORE INTO voter_roll (registration_id, election_id, roll_entry_id, district, status, subject, sealed, last_name, first_names,
             last_key, first_key, name_key, reverse_key, erased, submitted_at)
           VALUES (?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, data.electionId, data.rollEntryId, data.district, sealed.subject, names === undefined ? JSON.stringify(sealed) : null,
          row.lastName, row.firstNames, row.lastKey, row.firstKey, row.nameKey, row.reverseKey, row.erased, at);
        return;
      }
      case 'RegistrationFlagged':
        set("flagged = 1, status = CASE status WHEN 'submitted' THEN 'in-review' ELSE status END");
        return;
      case 'RegistrationReviewCleared':
        set("review_cleared = 1, status = CASE status WHEN 'in-review' THEN 'submitted' ELSE status END");
        return;
      case 'RegistrationApproved':
        set("status = 'approved', decided_at = ?", at);
        return;
      case 'RegistrationRejected':
        set("status = 'rejected', decided_at = ?", at);
        return;
      case 'RegistrationCancelled':
        set("status = 'cancelled', decided_at = ?", at);
        return;
      case 'PersonalDataErased': {
        const row = keysOf(null);
        db.prepare('UPDATE voter_roll SET sealed = NULL, last_name = ?, first_names = ?, last_key = ?, first_key = ?, name_key = ?, reverse_key = ?, erased = 1 WHERE subject = ?')
          .run(row.lastName, row.firstNames, row.lastKey, row.firstKey, row.nameKey, row.reverseKey, (data as { subject: string }).subject);
        return;
      }
      default:
        return;
    }
  },
};

interface Names {
  lastName: string | null;
  firstNames: string | null;
  lastKey: string;
  firstKey: string;
  nameKey: string;
  reverseKey: string;
  erased: 0 | 1;
}

/** undefined: not opened (no vault yet); null: erased. */
function keysOf(opened: { lastName: string; firstNames: string } | null | undefined): Names {
  if (opened === undefined) return { lastName: null, firstNames: null, lastKey: LAST, firstKey: LAST, nameKey: '', reverseKey: '', erased: 0 };
  if (opened === null) return { lastName: ERASED, firstNames: ERASED, lastKey: LAST, firstKey: LAST, nameKey: '', reverseKey: '', erased: 1 };
  const last = normaliseName(opened.lastName);
  const first = normaliseName(opened.firstNames);
  return { lastName: opened.lastName, firstNames: opened.firstNames, lastKey: last, firstKey: first, nameKey: last + first, reverseKey: first + last, erased: 0 };
}

function openNames(vault: PersonalDataVault, sealed: SealedPersonalData): { lastName: string; firstNames: string } | null {
  const fields = vault.open(sealed);
  return fields === null ? null : { lastName: fields.lastName ?? '', firstNames: fields.firstNames ?? '' };
}

/** Opens the names a vault-less rebuild left sealed (no-op when there are none). */
export function openPendingNames(db: ReadModelDb, vault: PersonalDataVault, electionId: string): void {
  const pending = db.prepare<[string], { registration_id: string; sealed: string }>('SELECT registration_id, sealed FROM voter_roll WHERE election_id = ? AND sealed IS NOT NULL').all(electionId);
  if (pending.length === 0) return;
  const update = db.prepare(
    'UPDATE voter_roll SET sealed = NULL, last_name = ?, first_names = ?, last_key = ?, first_key = ?, name_key = ?, reverse_key = ?, erased = ? WHERE registration_id = ? AND sealed IS NOT NULL',
  );
  withinVaultSnapshot(vault, () =>
    db.transaction(() => {
      for (const row of pending) {
        const names = keysOf(openNames(vault, JSON.parse(row.sealed) as SealedPersonalData));
        update.run(names.lastName, names.firstNames, names.lastKey, names.firstKey, names.nameKey, names.reverseKey, names.erased, row.registration_id);
      }
    })(),
  );
}

export interface VoterRollRow {
  registrationId: string;
  electionId: string;
  rollEntryId: string;
  district: string;
  pollingStation: string | null;
  status: VoterRollStatus;
  lastName: string;
  firstNames: string;
  erased: boolean;
  submittedAt: string;
  decidedAt: string | null;
  /** The sort key, for the cursor. */
  key: [string, string, string];
}

export interface VoterRollQuery {
  electionId: string;
  first: number;
  after?: [string, string, string] | null;
  search?: string | null;
  statuses?: readonly VoterRollStatus[] | null;
}

interface RawRow {
  registration_id: string;
  election_id: string;
  roll_entry_id: string;
  district: string;
  polling_station: string | null;
  status: VoterRollStatus;
  last_name: string | null;
  first_names: string | null;
  last_key: string;
  first_key: string;
  erased: number;
  submitted_at: string;
  decided_at: string | null;
}

/**
 * One page of the voter roll (`first + 1` rows are read to know whether there is a next page)
 * and the total count under the same filters. The search matches an exact registration id, roll
 * entry id or roll identifier (of the active electoral roll), or a normalised name prefix
 * ("lastname firstnames" or "firstnames lastname").
 */
export function readVoterRoll(db: ReadModelDb, query: VoterRollQuery): { rows: VoterRollRow[]; hasNextPage: boolean; totalCount: number } {
  // The polling station comes from the active electoral roll (its tables exist once set up).
  db.transaction(() => {
    electoralRollProjection.setUp(db);
    voterRollProjection.setUp(db);
  })();
  const where: string[] = ['v.election_id = ?'];
  const params: unknown[] = [query.electionId];
  const search = query.search?.trim() ?? '';
  if (search !== '') {
    const key = normaliseName(search);
    const alternatives = ['v.registration_id = ?', 'v.roll_entry_id = ?'];
    params.push(search, search);
    if (/\d/.test(search)) {
      alternatives.push(`v.roll_entry_id IN (SELECT e.roll_entry_id FROM electoral_roll_entries e
        JOIN electoral_roll_active a ON a.election_id = e.election_id AND a.import_id = e.import_id
        WHERE e.election_id = ? AND e.roll_identifier = ?)`);
      params.push(query.electionId, search);
    }
    if (key !== '') {
      alternatives.push('(v.name_key >= ? AND v.name_key < ?)', '(v.reverse_key >= ? AND v.reverse_key < ?)');
      params.push(key, `${key}\uffff`, key, `${key}\uffff`);
    }
    where.push(`(${alternatives.join(' OR ')})`);
  }
  if (query.statuses && query.statuses.length > 0) {
    where.push(`v.status IN (${query.statuses.map(() => '?').join(', ')})`);
    params.push(...query.statuses);
  }
  const filtered = where.join(' AND ');
  const totalCount = (db.prepare(`SELECT COUNT(*) AS n FROM voter_roll v WHERE ${filtered}`).get(...params) as { n: number }).n;
  const pageWhere = query.after ? `${filtered} AND (v.last_key, v.first_key, v.registration_id) > (?, ?, ?)` : filtered;
  const pageParams = query.after ? [...params, ...query.after] : params;
  const raw = db
    .prepare(
      `SELECT v.registration_id, v.election_id, v.roll_entry_id, v.district, e.polling_station, v.status, v.last_name, v.first_names,
              v.last_key, v.first_key, v.erased, v.submitted_at, v.decided_at
       FROM voter_roll v
       LEFT JOIN electoral_roll_active a ON a.election_id = v.election_id
       LEFT JOIN electoral_roll_entries e ON e.election_id = v.election_id AND e.import_id = a.import_id AND e.roll_entry_id = v.roll_entry_id
       WHERE ${pageWhere}
       ORDER BY v.last_key, v.first_key, v.registration_id
       LIMIT ?`,
    )
    .all(...pageParams, query.first + 1) as RawRow[];
  const hasNextPage = raw.length > query.first;
  const rows = raw.slice(0, query.first).map((row) => ({
    registrationId: row.registration_id,
    electionId: row.election_id,
    rollEntryId: row.roll_entry_id,
    district: row.district,
    pollingStation: row.polling_station,
    status: row.status,
    lastName: row.last_name ?? '',
    firstNames: row.first_names ?? '',
    erased: row.erased === 1,
    submittedAt: row.submitted_at,
    decidedAt: row.decided_at,
    key: [row.last_key, row.first_key, row.registration_id] as [string, string, string],
  }));
  return { rows, hasNextPage, totalCount };
}
