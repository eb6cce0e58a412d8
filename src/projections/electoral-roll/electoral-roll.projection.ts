import type Database from 'better-sqlite3';
import type { PersonalDataVault } from '../../application/ports/personal-data-vault.js';
import type { ElectoralRollBatchData, RollEntryRecord } from '../../domain/reference-data/electoral-roll.js';
import { normaliseName } from '../../domain/reference-data/normalise.js';
import type { ImportAbandonedData, ImportCompletedData, ImportStartedData } from '../../domain/reference-data/versioned-import.js';
import { ERASED } from '../../domain/shared/personal-data.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';
import type { Projection, ReadModelDb } from '../projection.js';
import { personalDataVaultOf, withinVaultSnapshot } from './read-model-vault.js';
import { createImportTables, dropImportTables, importAbandoned, importCompleted, importStarted, type ImportTables } from './reference-imports.js';

/**
 * The electoral roll in force for each election: the entries of its latest completed import
 * (an import in progress is kept aside until it completes, then replaces the previous version).
 *
 * Rows hold the roll entry id, the identity's blind index (registration matches people with it),
 * the district and polling station, and, for council and operator search, the personal fields
 * opened with this node's vault ('[erased]' once the subject is forgotten) plus the normalised
 * last name. This database is local to the node and served only to staff. Without a vault
 * attached (a rebuild run outside the server) the sealed value is kept instead and opened on read.
 *
 * `PersonalDataErased { subject }` (stream `erasure-<subject>`) blanks the subject's fields in
 * every version held, and removes its identity index: an erased person no longer matches.
 */
export const ROLL_TABLES: ImportTables = { prefix: 'electoral_roll', entriesTable: 'electoral_roll_entries' };

export const electoralRollProjection: Projection = {
  name: 'electoral-roll',
  version: 1,
  description: 'The active electoral roll of each election (latest completed import), with identity indexes for registration',
  filter: { kind: 'eventType', prefixes: ['ElectoralRoll', 'PersonalDataErased'] },
  personalColumns: { electoral_roll_entries: ['last_name', 'first_names', 'birth_date', 'address', 'roll_identifier', 'name_key', 'sealed', 'erased'] },

  setUp(db) {
    createImportTables(db, ROLL_TABLES);
    db.exec(`CREATE TABLE IF NOT EXISTS electoral_roll_entries (
      election_id     TEXT NOT NULL,
      import_id       TEXT NOT NULL,
      roll_entry_id   TEXT NOT NULL,
      arrondissement  TEXT NOT NULL,
      polling_station TEXT NOT NULL,
      identity_index  TEXT,
      last_name       TEXT,
      first_names     TEXT,
      birth_date      TEXT,
      address         TEXT,
      roll_identifier TEXT,
      name_key        TEXT,
      sealed          TEXT,
      erased          INTEGER NOT NULL DEFAULT 0
    ) STRICT`);
    db.exec('CREATE UNIQUE INDEX IF NOT EXISTS electoral_roll_entries_id ON electoral_roll_entries (roll_entry_id, import_id)');
    db.exec('CREATE INDEX IF NOT EXISTS electoral_roll_entries_identity ON electoral_roll_entries (election_id, identity_index) WHERE identity_index IS NOT NULL');
    db.exec('CREATE INDEX IF NOT EXISTS electoral_roll_entries_name ON electoral_roll_entries (election_id, name_key) WHERE name_key IS NOT NULL');
  },

  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS electoral_roll_entries');
    dropImportTables(db, ROLL_TABLES);
  },

  apply(db, event) {
    const at = event.metadata.occurredAt;
    switch (event.type) {
      case 'ElectoralRollImportStarted':
        return importStarted(db, ROLL_TABLES, event.data as unknown as ImportStartedData, at);
      case 'ElectoralRollImportAbandoned':
        return importAbandoned(db, ROLL_TABLES, event.data as unknown as ImportAbandonedData, at);
      case 'ElectoralRollImportCompleted':
        return importCompleted(db, ROLL_TABLES, event.data as unknown as ImportCompletedData, at);
      case 'ElectoralRollBatchImported':
        return insertBatch(db, event);
      case 'PersonalDataErased':
        statementsOf(db).erase.run(ERASED, ERASED, ERASED, ERASED, ERASED, (event.data as { subject: string }).subject);
        return;
      default:
        return;
    }
  },
};

interface Statements {
  insert: Database.Statement;
  erase: Database.Statement;
}

const prepared = new WeakMap<ReadModelDb, Statements>();

function statementsOf(db: ReadModelDb): Statements {
  let found = prepared.get(db);
  if (!found) {
    found = {
      // A batch applied twice (never, with the runner's checkpoint; but a rebuild is cheap to make safe).
      insert: db.prepare(`INSERT INTO electoral_roll_entries
        (election_id, import_id, roll_entry_id, arrondissement, polling_station, identity_index, last_name, first_names, birth_date, address, roll_identifier, name_key, sealed, erased)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (roll_entry_id, import_id) DO NOTHING`),
      erase: db.prepare(`UPDATE electoral_roll_entries
        SET last_name = ?, first_names = ?, birth_date = ?, address = ?, roll_identifier = ?, name_key = NULL, identity_index = NULL, sealed = NULL, erased = 1
        WHERE roll_entry_id = ?`),
    };
    prepared.set(db, found);
  }
  return found;
}

function insertBatch(db: ReadModelDb, event: RecordedEvent): void {
  const data = event.data as unknown as ElectoralRollBatchData;
  const { insert } = statementsOf(db);
  const vault = personalDataVaultOf(db);
  const write = () => {
    for (const entry of data.entries) {
      const opened = vault === undefined ? undefined : openEntry(vault, entry);
      if (opened === undefined) {
        insert.run(data.electionId, data.importId, entry.rollEntryId, entry.arrondissement, entry.pollingStation, entry.identityIndex,
          null, null, null, null, null, null, entry.sealed === null ? null : JSON.stringify(entry.sealed), entry.sealed === null ? 1 : 0);
      } else if (opened === null) {
        insert.run(data.electionId, data.importId, entry.rollEntryId, entry.arrondissement, entry.pollingStation, null,
          ERASED, ERASED, ERASED, ERASED, ERASED, null, null, 1);
      } else {
        insert.run(data.electionId, data.importId, entry.rollEntryId, entry.arrondissement, entry.pollingStation, entry.identityIndex,
          opened.lastName ?? '', opened.firstNames ?? '', opened.birthDate ?? '', opened.address ?? '', opened.rollIdentifier ?? '',
          normaliseName(opened.lastName ?? ''), null, 0);
      }
    }
  };
  if (vault === undefined) write();
  else withinVaultSnapshot(vault, write);
}

/** The opened fields; null when erased (sealed null, or the subject forgotten). */
function openEntry(vault: PersonalDataVault, entry: RollEntryRecord): Record<string, string> | null {
  if (entry.sealed === null) return null;
  return vault.open(entry.sealed);
}
