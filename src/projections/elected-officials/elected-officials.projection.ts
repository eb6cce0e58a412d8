import type Database from 'better-sqlite3';
import type { ElectedOfficialsBatchData } from '../../domain/reference-data/elected-officials.js';
import type { ImportAbandonedData, ImportCompletedData, ImportStartedData } from '../../domain/reference-data/versioned-import.js';
import { createImportTables, dropImportTables, importAbandoned, importCompleted, importStarted, type ImportTables } from '../electoral-roll/reference-imports.js';
import type { Projection, ReadModelDb } from '../projection.js';

/**
 * The list of elected officials in force for each election (latest completed import), in clear:
 * officials' names are public. Sponsorship looks sponsors up here (mandate, district).
 */
export const OFFICIALS_TABLES: ImportTables = { prefix: 'elected_officials', entriesTable: 'elected_officials' };

export const electedOfficialsProjection: Projection = {
  name: 'elected-officials',
  version: 1,
  description: 'The active list of elected officials of each election (latest completed import)',
  filter: { kind: 'eventType', prefixes: ['ElectedOfficials'] },

  setUp(db) {
    createImportTables(db, OFFICIALS_TABLES);
    db.exec(`CREATE TABLE IF NOT EXISTS elected_officials (
      election_id    TEXT NOT NULL,
      import_id      TEXT NOT NULL,
      official_id    TEXT NOT NULL,
      last_name      TEXT NOT NULL,
      first_names    TEXT NOT NULL,
      mandate        TEXT NOT NULL,
      arrondissement TEXT NOT NULL,
      PRIMARY KEY (election_id, import_id, official_id)
    ) STRICT, WITHOUT ROWID`);
  },

  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS elected_officials');
    dropImportTables(db, OFFICIALS_TABLES);
  },

  apply(db, event) {
    const at = event.metadata.occurredAt;
    switch (event.type) {
      case 'ElectedOfficialsImportStarted':
        return importStarted(db, OFFICIALS_TABLES, event.data as unknown as ImportStartedData, at);
      case 'ElectedOfficialsImportAbandoned':
        return importAbandoned(db, OFFICIALS_TABLES, event.data as unknown as ImportAbandonedData, at);
      case 'ElectedOfficialsImportCompleted':
        return importCompleted(db, OFFICIALS_TABLES, event.data as unknown as ImportCompletedData, at);
      case 'ElectedOfficialsBatchImported': {
        const data = event.data as unknown as ElectedOfficialsBatchData;
        const insert = insertStatement(db);
        for (const official of data.entries)
          insert.run(data.electionId, data.importId, official.officialId, official.lastName, official.firstNames, official.mandate, official.arrondissement);
        return;
      }
      default:
        return;
    }
  },
};

const prepared = new WeakMap<ReadModelDb, Database.Statement>();

function insertStatement(db: ReadModelDb): Database.Statement {
  let statement = prepared.get(db);
  if (!statement) {
    statement = db.prepare(`INSERT INTO elected_officials (election_id, import_id, official_id, last_name, first_names, mandate, arrondissement)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    prepared.set(db, statement);
  }
  return statement;
}

export interface ElectedOfficialRow {
  officialId: string;
  lastName: string;
  firstNames: string;
  mandate: string;
  arrondissement: string;
}

/** The active list of an election, ordered by last name (for staff screens and tests). */
export function readActiveOfficials(db: ReadModelDb, electionId: string): ElectedOfficialRow[] {
  return db
    .prepare<[string], ElectedOfficialRow>(
      `SELECT o.official_id AS officialId, o.last_name AS lastName, o.first_names AS firstNames, o.mandate, o.arrondissement
       FROM elected_officials o JOIN elected_officials_active a ON a.election_id = o.election_id AND a.import_id = o.import_id
       WHERE o.election_id = ? ORDER BY o.last_name, o.first_names, o.official_id`,
    )
    .all(electionId);
}
