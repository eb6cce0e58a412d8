import type { SealedPersonalData } from '../shared/personal-data.js';
import {
  importBatchesDecider,
  versionedImportDecider,
  type ImportBatchData,
  type ImportBatchEvent,
  type ImportLifecycleEvent,
  type VersionedImportStreams,
} from './versioned-import.js';

/**
 * The electoral roll of an election (liste électorale), imported from CSV as versioned imports
 * (see versioned-import.ts).
 *
 * Events on `electoralroll-<electionId>`:
 *   ElectoralRollImportStarted   { electionId, importId, version, contentHash, sourceName, batchStream }
 *   ElectoralRollImportAbandoned { electionId, importId, version, supersededBy }
 *   ElectoralRollImportCompleted { electionId, importId, version, contentHash, rows, batches }
 * Events on `electoralrollbatch-<electionId>_<importId>` (batch n at revision n):
 *   ElectoralRollBatchImported   { electionId, importId, batch, firstRow, entries: RollEntryRecord[] }
 *
 * No personal data in clear: names, birth date, address and the roll identifier are sealed per
 * person (the subject is the roll entry id); the identity index is a keyed hash. Arrondissement
 * and polling station stay in clear: sponsorship spread and turnout need them, and they do not
 * identify anyone on their own.
 */

/** The fields sealed in each roll entry (all strings; birthDate is `YYYY-MM-DD`). */
export interface RollPersonalFields {
  lastName: string;
  firstNames: string;
  birthDate: string;
  address: string;
  rollIdentifier: string;
}

export interface RollEntryRecord {
  /**
   * Stable across import versions (a keyed hash of the election and the roll identifier): the
   * registration refers to it, and it is the vault subject, so forgetting it blanks the person in
   * every version.
   */
  rollEntryId: string;
  arrondissement: string;
  pollingStation: string;
  /** blindIndex('roll-identity', rollIdentityKey(...)); null when the subject was already forgotten. */
  identityIndex: string | null;
  /** RollPersonalFields sealed under the subject `rollEntryId`; null when the subject was already forgotten. */
  sealed: SealedPersonalData | null;
}

/** The purpose under which roll entry ids are derived by the personal data vault's blind index. */
export const ROLL_ENTRY_PURPOSE = 'roll-entry';

/**
 * The id of the roll entry of `rollIdentifier` in an election: `roll_` and 22 base64url characters
 * (132 bits) of a keyed hash of the election and the identifier. The same person keeps the same
 * id in every import version (so forgetting them blanks every version), and the id reveals
 * nothing of the identifier without the vault's secret.
 */
export function rollEntryIdFor(blindIndex: (purpose: string, value: string) => string, electionId: string, rollIdentifier: string): string {
  return `roll_${blindIndex(ROLL_ENTRY_PURPOSE, `${electionId}\u0000${rollIdentifier}`).slice(0, 22)}`;
}

export const electoralRollStreams: VersionedImportStreams = {
  listStream: (electionId) => `electoralroll-${electionId}`,
  batchStream: (electionId, importId) => `electoralrollbatch-${electionId}_${importId}`,
};

/**
 * Entries per batch event. A sealed entry is about 490 bytes of JSON, so a batch event is about
 * 25 KB: far under the store's 1 MiB append limit (the importer puts 20 of them in one append, and
 * cuts appends at 768 KiB whatever the rows hold). Not larger, because readers hold many events at
 * once: a page of `$all` is 500 events and the projection runner applies 1,000 events per
 * transaction. Measured replaying a 400,000-row roll: 1,000-entry events peaked above 1 GB,
 * 100-entry events at 544 MB, 50-entry events at 386 MB, at the same speed.
 */
export const ROLL_ENTRIES_PER_BATCH = 50;

export type ElectoralRollLifecycleEvent = ImportLifecycleEvent<'ElectoralRoll'>;
export type ElectoralRollBatchImported = ImportBatchEvent<'ElectoralRoll', RollEntryRecord>;
export type ElectoralRollBatchData = ImportBatchData<RollEntryRecord>;
export type ElectoralRollEvent = ElectoralRollLifecycleEvent | ElectoralRollBatchImported;

export const electoralRollDecider = versionedImportDecider('ElectoralRoll', electoralRollStreams);
export const electoralRollBatchesDecider = importBatchesDecider<'ElectoralRoll', RollEntryRecord>('ElectoralRoll', ROLL_ENTRIES_PER_BATCH);

export const ELECTORAL_ROLL_EVENT_TYPES = [
  'ElectoralRollImportStarted',
  'ElectoralRollImportAbandoned',
  'ElectoralRollImportCompleted',
  'ElectoralRollBatchImported',
] as const;
