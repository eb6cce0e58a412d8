import type { ActiveImport, ElectedOfficial, ElectoralRollLookup, RollEntry, RollIdentity, RollMatch } from '../../application/ports/electoral-roll.js';
import type { PersonalDataVault, SealedPersonalData } from '../../application/ports/personal-data-vault.js';
import { normaliseName, rollIdentityIndex } from '../../domain/reference-data/normalise.js';
import { ERASED } from '../../domain/shared/personal-data.js';
import { electedOfficialsProjection } from '../elected-officials/elected-officials.projection.js';
import type { ReadModelDb } from '../projection.js';
import { electoralRollProjection } from './electoral-roll.projection.js';

interface EntryRow {
  roll_entry_id: string;
  import_id: string;
  version: number;
  arrondissement: string;
  polling_station: string;
  last_name: string | null;
  first_names: string | null;
  birth_date: string | null;
  address: string | null;
  roll_identifier: string | null;
  sealed: string | null;
  erased: number;
}

interface ActiveRow {
  import_id: string;
  version: number;
  rows: number;
  content_hash: string;
}

const ENTRY_COLUMNS = `e.roll_entry_id, e.import_id, a.version, e.arrondissement, e.polling_station, e.last_name, e.first_names, e.birth_date,
  e.address, e.roll_identifier, e.sealed, e.erased`;

export interface RollSearch {
  /** Matched on the normalised last name (exact, or a prefix with `prefix: true`). */
  lastName: string;
  prefix?: boolean;
  arrondissement?: string;
  limit?: number;
}

/**
 * ElectoralRollLookup on this node's read models (the electoral-roll and elected-officials
 * projections). Needs the vault for identity look-ups (the blind index is keyed) and to open
 * entries the projection could not open itself.
 */
export class SqliteElectoralRollLookup implements ElectoralRollLookup {
  private prepared: ReturnType<typeof prepare> | undefined;

  constructor(
    private readonly db: ReadModelDb,
    private readonly vault: PersonalDataVault | null,
  ) {}

  /** Prepared on first use; the tables are created if the projections have not run yet. */
  private get statements(): ReturnType<typeof prepare> {
    if (this.prepared === undefined) {
      this.db.transaction(() => {
        electoralRollProjection.setUp(this.db);
        electedOfficialsProjection.setUp(this.db);
      })();
      this.prepared = prepare(this.db);
    }
    return this.prepared;
  }

  async findByIdentity(electionId: string, identity: RollIdentity): Promise<RollMatch | null> {
    const vault = this.requireVault();
    const index = rollIdentityIndex((purpose, value) => vault.blindIndex(purpose, value), identity);
    if (index === null) return null;
    const rows = this.statements.byIdentity.all(electionId, index);
    const first = rows[0];
    if (first === undefined) return null;
    return { rollEntryId: first.roll_entry_id, arrondissement: first.arrondissement, pollingStation: first.polling_station, matches: rows.length };
  }

  async findEntry(electionId: string, rollEntryId: string): Promise<RollEntry | null> {
    const row = this.statements.entry.get(rollEntryId, electionId);
    return row === undefined ? null : this.toEntry(row);
  }

  /** Staff search on the normalised last name, optionally in one district (at most `limit`, default 50, rows). */
  search(electionId: string, search: RollSearch): RollEntry[] {
    const key = normaliseName(search.lastName);
    if (key === '') return [];
    const upper = search.prefix ? `${key}\uffff` : `${key}\u0000`;
    const arrondissement = search.arrondissement ?? null;
    const limit = Math.min(Math.max(1, Math.floor(search.limit ?? 50)), 500);
    return this.statements.byName.all(electionId, key, upper, arrondissement, arrondissement, limit).map((row) => this.toEntry(row));
  }

  async findOfficial(electionId: string, officialId: string): Promise<ElectedOfficial | null> {
    const row = this.statements.official.get(electionId, officialId);
    if (row === undefined) return null;
    return { officialId: row.official_id, lastName: row.last_name, firstNames: row.first_names, mandate: row.mandate, arrondissement: row.arrondissement };
  }

  async activeVersions(electionId: string): Promise<{ roll: ActiveImport | null; officials: ActiveImport | null }> {
    return { roll: toActive(this.statements.rollActive.get(electionId)), officials: toActive(this.statements.officialsActive.get(electionId)) };
  }

  private toEntry(row: EntryRow): RollEntry {
    let fields: Record<string, string> | null = null;
    let erased = row.erased === 1;
    if (!erased && row.last_name !== null) {
      fields = { lastName: row.last_name, firstNames: row.first_names ?? '', birthDate: row.birth_date ?? '', address: row.address ?? '', rollIdentifier: row.roll_identifier ?? '' };
    } else if (!erased && row.sealed !== null) {
      fields = this.requireVault().open(JSON.parse(row.sealed) as SealedPersonalData);
      erased = fields === null;
    } else erased = true;
    const field = (name: string) => (fields === null ? ERASED : (fields[name] ?? ''));
    return {
      rollEntryId: row.roll_entry_id,
      arrondissement: row.arrondissement,
      pollingStation: row.polling_station,
      lastName: field('lastName'),
      firstNames: field('firstNames'),
      birthDate: field('birthDate'),
      address: field('address'),
      rollIdentifier: field('rollIdentifier'),
      erased,
      importId: row.import_id,
      version: row.version,
    };
  }

  private requireVault(): PersonalDataVault {
    if (this.vault === null) throw new Error('the electoral roll look-up needs the personal data vault (identity indexes are keyed)');
    return this.vault;
  }
}

function prepare(db: ReadModelDb) {
  const activeJoin = 'JOIN electoral_roll_active a ON a.election_id = e.election_id AND a.import_id = e.import_id';
  return {
    byIdentity: db.prepare<[string, string], { roll_entry_id: string; arrondissement: string; polling_station: string }>(
      `SELECT e.roll_entry_id, e.arrondissement, e.polling_station FROM electoral_roll_entries e ${activeJoin}
       WHERE e.election_id = ? AND e.identity_index = ? ORDER BY e.roll_entry_id`,
    ),
    entry: db.prepare<[string, string], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM electoral_roll_entries e ${activeJoin} WHERE e.roll_entry_id = ? AND e.election_id = ?`,
    ),
    byName: db.prepare<[string, string, string, string | null, string | null, number], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM electoral_roll_entries e ${activeJoin}
       WHERE e.election_id = ? AND e.name_key >= ? AND e.name_key < ? AND (? IS NULL OR e.arrondissement = ?)
       ORDER BY e.name_key, e.roll_entry_id LIMIT ?`,
    ),
    official: db.prepare<[string, string], { official_id: string; last_name: string; first_names: string; mandate: string; arrondissement: string }>(
      `SELECT o.official_id, o.last_name, o.first_names, o.mandate, o.arrondissement FROM elected_officials o
       JOIN elected_officials_active a ON a.election_id = o.election_id AND a.import_id = o.import_id
       WHERE o.election_id = ? AND o.official_id = ?`,
    ),
    rollActive: db.prepare<[string], ActiveRow>('SELECT import_id, version, rows, content_hash FROM electoral_roll_active WHERE election_id = ?'),
    officialsActive: db.prepare<[string], ActiveRow>('SELECT import_id, version, rows, content_hash FROM elected_officials_active WHERE election_id = ?'),
  };
}

function toActive(row: ActiveRow | undefined): ActiveImport | null {
  return row === undefined ? null : { importId: row.import_id, version: row.version, rows: row.rows, contentHash: row.content_hash };
}
