import { basename } from 'node:path';
import {
  electedOfficialsBatchesDecider,
  electedOfficialsDecider,
  electedOfficialsStreams,
  OFFICIALS_PER_BATCH,
  type ElectedOfficialRecord,
} from '../../../domain/reference-data/elected-officials.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import {
  VersionedCsvImporter,
  type ImportHooks,
  type ImportOutcome,
  type ListImportDefinition,
  type VersionedCsvImporterOptions,
} from '../shared/versioned-csv-import.js';
import { OFFICIAL_COLUMN, OFFICIAL_COLUMNS, parseOfficialRow, type OfficialRow } from './elected-officials-csv.js';

/** `urne officials import <electionId> <file.csv>`. */
export interface ImportElectedOfficials {
  electionId: string;
  /** Path of the CSV file (format: elected-officials-csv.ts). */
  file: string;
  sourceName?: string;
  actor?: string;
}

export const electedOfficialsImportDefinition: ListImportDefinition<'ElectedOfficials', OfficialRow, ElectedOfficialRecord> = {
  kind: 'ElectedOfficials',
  label: 'list of elected officials',
  streams: electedOfficialsStreams,
  lifecycle: electedOfficialsDecider,
  batches: electedOfficialsBatchesDecider,
  columns: OFFICIAL_COLUMNS,
  parseRow: parseOfficialRow,
  uniqueKeyColumn: OFFICIAL_COLUMN.officialId,
  uniqueKeyLabel: 'official identifier',
  entriesPerEvent: OFFICIALS_PER_BATCH,
  eventsPerAppend: 1,
  appendsPerEntryBuild: 1,
  estimateEntryBytes: (row) =>
    90 + 2 * (Buffer.byteLength(row.officialId) + Buffer.byteLength(row.lastName) + Buffer.byteLength(row.firstNames) + Buffer.byteLength(row.mandate) + Buffer.byteLength(row.arrondissement)),
  toEntries: (rows) => rows.map((row) => ({ ...row })),
};

/** Imports the list of elected officials (in clear: their sponsorships are public). */
export class ElectedOfficialsImporter {
  private readonly importer: VersionedCsvImporter<'ElectedOfficials', OfficialRow, ElectedOfficialRecord>;

  constructor(store: EventStore, options: VersionedCsvImporterOptions = {}) {
    this.importer = new VersionedCsvImporter(store, electedOfficialsImportDefinition, options);
  }

  import(command: ImportElectedOfficials, hooks: ImportHooks = {}): Promise<ImportOutcome> {
    return this.importer.import(
      { electionId: command.electionId, file: command.file, sourceName: command.sourceName ?? basename(command.file), ...(command.actor === undefined ? {} : { actor: command.actor }) },
      hooks,
    );
  }
}
