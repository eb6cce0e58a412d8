import {
  importBatchesDecider,
  versionedImportDecider,
  type ImportBatchData,
  type ImportBatchEvent,
  type ImportLifecycleEvent,
  type VersionedImportStreams,
} from './versioned-import.js';

/**
 * The list of elected officials (élus) who may sponsor a candidate, imported from CSV with the
 * same versioning as the electoral roll (see versioned-import.ts).
 *
 * Events on `electedofficials-<electionId>`:
 *   ElectedOfficialsImportStarted / ElectedOfficialsImportAbandoned / ElectedOfficialsImportCompleted
 * Events on `electedofficialsbatch-<electionId>_<importId>` (batch n at revision n):
 *   ElectedOfficialsBatchImported { electionId, importId, batch, firstRow, entries: ElectedOfficialRecord[] }
 *
 * Elected officials' names are public (their sponsorships are published), so they are in clear.
 */
export interface ElectedOfficialRecord {
  /** The official identifier from the file (unique within a file). */
  officialId: string;
  lastName: string;
  firstNames: string;
  /** e.g. "conseiller de Paris", "maire d'arrondissement", "député". */
  mandate: string;
  arrondissement: string;
}

export const electedOfficialsStreams: VersionedImportStreams = {
  listStream: (electionId) => `electedofficials-${electionId}`,
  batchStream: (electionId, importId) => `electedofficialsbatch-${electionId}_${importId}`,
};

export const OFFICIALS_PER_BATCH = 1_000;

export type ElectedOfficialsLifecycleEvent = ImportLifecycleEvent<'ElectedOfficials'>;
export type ElectedOfficialsBatchImported = ImportBatchEvent<'ElectedOfficials', ElectedOfficialRecord>;
export type ElectedOfficialsBatchData = ImportBatchData<ElectedOfficialRecord>;
export type ElectedOfficialsEvent = ElectedOfficialsLifecycleEvent | ElectedOfficialsBatchImported;

export const electedOfficialsDecider = versionedImportDecider('ElectedOfficials', electedOfficialsStreams);
export const electedOfficialsBatchesDecider = importBatchesDecider<'ElectedOfficials', ElectedOfficialRecord>('ElectedOfficials', OFFICIALS_PER_BATCH);

export const ELECTED_OFFICIALS_EVENT_TYPES = [
  'ElectedOfficialsImportStarted',
  'ElectedOfficialsImportAbandoned',
  'ElectedOfficialsImportCompleted',
  'ElectedOfficialsBatchImported',
] as const;
