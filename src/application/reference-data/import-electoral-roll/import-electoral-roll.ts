import { basename } from 'node:path';
import {
  electoralRollBatchesDecider,
  electoralRollDecider,
  electoralRollStreams,
  rollEntryIdFor,
  ROLL_ENTRIES_PER_BATCH,
  type RollEntryRecord,
  type RollPersonalFields,
} from '../../../domain/reference-data/electoral-roll.js';
import { rollIdentityIndex } from '../../../domain/reference-data/normalise.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import type { PersonalDataVault, SealedPersonalData } from '../../ports/personal-data-vault.js';
import {
  VersionedCsvImporter,
  type ImportHooks,
  type ImportOutcome,
  type ListImportDefinition,
  type VersionedCsvImporterOptions,
} from '../shared/versioned-csv-import.js';
import { parseRollRow, ROLL_COLUMN, ROLL_COLUMNS, type RollRow } from './electoral-roll-csv.js';

/** `urne roll import <electionId> <file.csv>`: what to import, and who asks. */
export interface ImportElectoralRoll {
  electionId: string;
  /** Path of the CSV file (format: electoral-roll-csv.ts). */
  file: string;
  /** Recorded in the Started event; default: the file's base name. */
  sourceName?: string;
  actor?: string;
}

/** What the vault adapter offers for bulk sealing (SqliteKeyStoreVault): one key-store transaction per append. */
interface TransactionalVault {
  withinTransaction<T>(fn: () => T): T;
}

function hasTransactions(vault: PersonalDataVault): vault is PersonalDataVault & TransactionalVault {
  return typeof (vault as Partial<TransactionalVault>).withinTransaction === 'function';
}

function blindIndexOf(vault: PersonalDataVault): (purpose: string, value: string) => string {
  return (purpose, value) => vault.blindIndex(purpose, value);
}

/** Bytes of JSON around an entry's variable parts (ids, indexes, keys, the sealed envelope), rounded up. */
const ENTRY_OVERHEAD_BYTES = 320;

/**
 * Builds a roll entry: the personal fields sealed under the entry's subject, the identity's blind
 * index; for a subject already forgotten, neither (the entry keeps only its district and station).
 */
export function rollEntryOf(vault: PersonalDataVault, electionId: string, row: RollRow, rollEntryId = rollEntryIdFor(blindIndexOf(vault), electionId, row.rollIdentifier)): RollEntryRecord {
  const blindIndex = blindIndexOf(vault);
  const fields: RollPersonalFields = {
    lastName: row.lastName,
    firstNames: row.firstNames,
    birthDate: row.birthDate,
    address: row.address,
    rollIdentifier: row.rollIdentifier,
  };
  let sealed: SealedPersonalData;
  try {
    sealed = vault.seal(rollEntryId, fields as unknown as Record<string, string>);
  } catch (error) {
    // The vault refuses to seal for a forgotten subject (its key is never re-created).
    if (!vault.isForgotten(rollEntryId)) throw error;
    return { rollEntryId, arrondissement: row.arrondissement, pollingStation: row.pollingStation, identityIndex: null, sealed: null };
  }
  return { rollEntryId, arrondissement: row.arrondissement, pollingStation: row.pollingStation, identityIndex: rollIdentityIndex(blindIndex, row), sealed };
}

export function electoralRollImportDefinition(vault: PersonalDataVault): ListImportDefinition<'ElectoralRoll', RollRow, RollEntryRecord> {
  return {
    kind: 'ElectoralRoll',
    label: 'electoral roll',
    streams: electoralRollStreams,
    lifecycle: electoralRollDecider,
    batches: electoralRollBatchesDecider,
    columns: ROLL_COLUMNS,
    parseRow: parseRollRow,
    uniqueKeyColumn: ROLL_COLUMN.rollIdentifier,
    uniqueKeyLabel: 'roll identifier',
    entriesPerEvent: ROLL_ENTRIES_PER_BATCH,
    // 20 events of 50 entries (about 25 KB each) per append: one commit of the store per 1,000 rows.
    eventsPerAppend: 20,
    // Sealed 10,000 at a time: one key-store transaction (its commit is costly) per 10 appends.
    appendsPerEntryBuild: 10,
    estimateEntryBytes(row) {
      const plaintext = Buffer.byteLength(
        JSON.stringify({ lastName: row.lastName, firstNames: row.firstNames, birthDate: row.birthDate, address: row.address, rollIdentifier: row.rollIdentifier }),
      );
      // AES-GCM of the plaintext padded to 32 bytes, plus its tag, in base64url.
      const sealed = Math.ceil(((Math.ceil(plaintext / 32) * 32 + 16) * 4) / 3);
      return ENTRY_OVERHEAD_BYTES + sealed + 2 * (Buffer.byteLength(row.arrondissement) + Buffer.byteLength(row.pollingStation));
    },
    toEntries(rows, electionId) {
      const build = () => {
        // Sealed in the order of their ids, which is the key store's order: its B-tree is then
        // walked once per transaction instead of at random (several times faster on 1M+ keys).
        const ids = rows.map((row) => rollEntryIdFor(blindIndexOf(vault), electionId, row.rollIdentifier));
        const order = ids.map((_, index) => index).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
        const entries = new Array<RollEntryRecord>(rows.length);
        for (const index of order) entries[index] = rollEntryOf(vault, electionId, rows[index]!, ids[index]!);
        return entries;
      };
      // The keys created for these entries are committed when withinTransaction returns: only
      // then may the entries be appended (see the vault port).
      return hasTransactions(vault) ? vault.withinTransaction(build) : build();
    },
  };
}

/**
 * Imports an electoral roll file (streaming, two passes, resumable): see VersionedCsvImporter.
 * Personal fields never reach the log in clear: they are sealed with the vault, per person.
 */
export class ElectoralRollImporter {
  private readonly importer: VersionedCsvImporter<'ElectoralRoll', RollRow, RollEntryRecord>;

  constructor(store: EventStore, vault: PersonalDataVault, options: VersionedCsvImporterOptions = {}) {
    this.importer = new VersionedCsvImporter(store, electoralRollImportDefinition(vault), options);
  }

  import(command: ImportElectoralRoll, hooks: ImportHooks = {}): Promise<ImportOutcome> {
    return this.importer.import(
      { electionId: command.electionId, file: command.file, sourceName: command.sourceName ?? basename(command.file), ...(command.actor === undefined ? {} : { actor: command.actor }) },
      hooks,
    );
  }

  /** Pass 1 alone: checks the file and gives its hash and row count, writing nothing. */
  validate(file: string, hooks: ImportHooks = {}) {
    return this.importer.validate(file, hooks);
  }
}
