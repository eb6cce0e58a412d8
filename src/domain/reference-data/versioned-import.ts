import { DomainError, type Decider } from '../shared/decider.js';

/**
 * Versioned imports of reference data (the electoral roll, the list of elected officials), as a
 * pair of deciders shared by both lists.
 *
 * An import is one file. Its life is recorded on the list's stream (`electoralroll-<electionId>`,
 * `electedofficials-<electionId>`): `…ImportStarted` (version N+1, the SHA-256 of the file),
 * then `…ImportCompleted`; an import left unfinished (a crash) and superseded by another file is
 * closed by `…ImportAbandoned`. The rows themselves go in batches to a stream of their own per
 * import (`electoralrollbatch-<electionId>_<importId>`), where batch n is revision n: appending at
 * the exact expected revision makes a duplicated or skipped batch impossible, and keeps the list's
 * stream small (its state loads in a few reads whatever the size and number of versions).
 *
 * Rules:
 * - a file whose hash is that of the active (latest completed) import is a no-op: nothing is written
 *   (except, if another file's import was left unfinished, its `…ImportAbandoned`);
 * - a file whose hash is that of the import in progress resumes it (same import id, next batch);
 * - any other file starts version N+1 (N counts every started import), abandoning the one in progress;
 * - an import completes once, with the number of rows and batches its batch stream holds.
 */

export type ImportListKind = 'ElectoralRoll' | 'ElectedOfficials';

export interface ImportStartedData {
  electionId: string;
  importId: string;
  version: number;
  /** SHA-256 (lower-case hex) of the file's bytes. */
  contentHash: string;
  /** The file's name as given to the importer (no path). */
  sourceName: string;
  /** Where this import's batches are appended. */
  batchStream: string;
}

export interface ImportAbandonedData {
  electionId: string;
  importId: string;
  version: number;
  supersededBy: string;
}

export interface ImportCompletedData {
  electionId: string;
  importId: string;
  version: number;
  contentHash: string;
  rows: number;
  batches: number;
}

export type ImportLifecycleEvent<K extends ImportListKind> =
  | { type: `${K}ImportStarted`; data: ImportStartedData }
  | { type: `${K}ImportAbandoned`; data: ImportAbandonedData }
  | { type: `${K}ImportCompleted`; data: ImportCompletedData };

export interface ImportRef {
  importId: string;
  version: number;
  contentHash: string;
  sourceName: string;
  batchStream: string;
}

export interface VersionedImportState {
  /** The highest version ever started (0 before the first import). */
  lastVersion: number;
  /** The latest completed import: the list in force. */
  active: (ImportRef & { rows: number; batches: number }) | null;
  /** An import started and neither completed nor abandoned. */
  inProgress: ImportRef | null;
}

export type ImportLifecycleCommand =
  | { type: 'StartImport'; electionId: string; contentHash: string; sourceName: string }
  | { type: 'CompleteImport'; electionId: string; importId: string; contentHash: string; rows: number; batches: number };

/** What importing a file with this hash will do. */
export type ImportPlan =
  | { kind: 'unchanged'; active: NonNullable<VersionedImportState['active']>; abandons: ImportRef | null }
  | { kind: 'resume'; import: ImportRef }
  | { kind: 'start'; importId: string; version: number; abandons: ImportRef | null };

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** What a stream id may hold (see the event store's stream names), kept short. */
const ELECTION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/;

export function assertElectionId(electionId: string): void {
  if (!ELECTION_ID.test(electionId))
    throw new DomainError('InvalidElectionId', 'An election id is 1 to 100 letters, digits and _ . : @ - (starting with a letter or digit)', { electionId });
}

function assertContentHash(contentHash: string): void {
  if (!SHA256_HEX.test(contentHash))
    throw new DomainError('InvalidContentHash', 'The content hash must be the SHA-256 of the file, in lower-case hexadecimal', { contentHash });
}

/** The id of an import: its version and the start of its file's hash (`v3-9f86d081884c7d65`). */
export function importIdFor(version: number, contentHash: string): string {
  return `v${version}-${contentHash.slice(0, 16)}`;
}

export function planImport(state: VersionedImportState, contentHash: string): ImportPlan {
  if (state.inProgress?.contentHash === contentHash) return { kind: 'resume', import: state.inProgress };
  if (state.active?.contentHash === contentHash) return { kind: 'unchanged', active: state.active, abandons: state.inProgress };
  const version = state.lastVersion + 1;
  return { kind: 'start', importId: importIdFor(version, contentHash), version, abandons: state.inProgress };
}

export interface VersionedImportStreams {
  /** The list's stream: `electoralroll-<electionId>`. */
  listStream(electionId: string): string;
  /** One import's batches: `electoralrollbatch-<electionId>_<importId>`. */
  batchStream(electionId: string, importId: string): string;
}

export function versionedImportDecider<K extends ImportListKind>(
  kind: K,
  streams: VersionedImportStreams,
): Decider<ImportLifecycleCommand, ImportLifecycleEvent<K>, VersionedImportState> {
  const started = `${kind}ImportStarted` as const;
  const abandoned = `${kind}ImportAbandoned` as const;
  const completed = `${kind}ImportCompleted` as const;
  type Event = ImportLifecycleEvent<K>;

  return {
    initialState: () => ({ lastVersion: 0, active: null, inProgress: null }),

    evolve(state, event) {
      switch (event.type) {
        case started: {
          const data = event.data as ImportStartedData;
          return {
            ...state,
            lastVersion: Math.max(state.lastVersion, data.version),
            inProgress: { importId: data.importId, version: data.version, contentHash: data.contentHash, sourceName: data.sourceName, batchStream: data.batchStream },
          };
        }
        case abandoned: {
          const data = event.data as ImportAbandonedData;
          return state.inProgress?.importId === data.importId ? { ...state, inProgress: null } : state;
        }
        case completed: {
          const data = event.data as ImportCompletedData;
          if (state.inProgress?.importId !== data.importId) return state;
          return { ...state, active: { ...state.inProgress, rows: data.rows, batches: data.batches }, inProgress: null };
        }
        default:
          return state;
      }
    },

    decide(command, state) {
      assertElectionId(command.electionId);
      assertContentHash(command.contentHash);
      switch (command.type) {
        case 'StartImport': {
          const plan = planImport(state, command.contentHash);
          if (plan.kind === 'resume') return [];
          const events: Event[] = [];
          const supersededBy = plan.kind === 'start' ? plan.importId : plan.active.importId;
          if (plan.abandons)
            events.push({
              type: abandoned,
              data: { electionId: command.electionId, importId: plan.abandons.importId, version: plan.abandons.version, supersededBy },
            } as Event);
          if (plan.kind === 'unchanged') return events;
          events.push({
            type: started,
            data: {
              electionId: command.electionId,
              importId: plan.importId,
              version: plan.version,
              contentHash: command.contentHash,
              sourceName: command.sourceName,
              batchStream: streams.batchStream(command.electionId, plan.importId),
            },
          } as Event);
          return events;
        }
        case 'CompleteImport': {
          if (state.active?.importId === command.importId && state.inProgress === null) return [];
          const current = state.inProgress;
          if (current === null || current.importId !== command.importId)
            throw new DomainError('ImportNotInProgress', `Import ${command.importId} is not in progress: it was completed, abandoned or never started`, {
              importId: command.importId,
              inProgress: current?.importId ?? null,
            });
          if (current.contentHash !== command.contentHash)
            throw new DomainError('ContentHashMismatch', 'The file changed during the import: its hash is not the one the import started with', {
              importId: command.importId,
              expected: current.contentHash,
              actual: command.contentHash,
            });
          if (!Number.isSafeInteger(command.rows) || command.rows < 0 || !Number.isSafeInteger(command.batches) || command.batches < 0)
            throw new DomainError('InvalidRowCount', 'Rows and batches are counts (integers >= 0)', { rows: command.rows, batches: command.batches });
          return [
            {
              type: completed,
              data: {
                electionId: command.electionId,
                importId: current.importId,
                version: current.version,
                contentHash: current.contentHash,
                rows: command.rows,
                batches: command.batches,
              },
            } as Event,
          ];
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Batches: one stream per import, batch n at revision n.

export interface ImportBatchData<Entry> {
  electionId: string;
  importId: string;
  /** 0-based; equal to the event's revision in the batch stream. */
  batch: number;
  /** 0-based index, in the file's data rows, of the first entry. */
  firstRow: number;
  entries: Entry[];
}

export type ImportBatchEvent<K extends ImportListKind, Entry> = { type: `${K}BatchImported`; data: ImportBatchData<Entry> };

export interface RecordBatchCommand<Entry> {
  type: 'RecordBatch';
  electionId: string;
  importId: string;
  batch: number;
  firstRow: number;
  entries: Entry[];
}

export interface ImportBatchesState {
  importId: string | null;
  /** The next batch number, i.e. how many batches the stream holds. */
  batches: number;
  /** Rows recorded so far. */
  rows: number;
}

export function importBatchesDecider<K extends ImportListKind, Entry>(
  kind: K,
  maxEntriesPerBatch: number,
): Decider<RecordBatchCommand<Entry>, ImportBatchEvent<K, Entry>, ImportBatchesState> {
  const type = `${kind}BatchImported` as const;
  return {
    initialState: () => ({ importId: null, batches: 0, rows: 0 }),
    evolve(state, event) {
      if (event.type !== type) return state;
      return { importId: event.data.importId, batches: event.data.batch + 1, rows: event.data.firstRow + event.data.entries.length };
    },
    decide(command, state) {
      if (state.importId !== null && state.importId !== command.importId)
        throw new DomainError('WrongImport', `This batch stream belongs to import ${state.importId}, not ${command.importId}`);
      if (command.batch < state.batches) return [];
      if (command.batch > state.batches)
        throw new DomainError('BatchOutOfOrder', `Batch ${command.batch} cannot be recorded before batch ${state.batches}`, {
          expected: state.batches,
          actual: command.batch,
        });
      if (command.firstRow !== state.rows)
        throw new DomainError('BatchRowsMismatch', `Batch ${command.batch} starts at row ${command.firstRow}, but ${state.rows} rows are recorded`, {
          expected: state.rows,
          actual: command.firstRow,
        });
      if (command.entries.length === 0 || command.entries.length > maxEntriesPerBatch)
        throw new DomainError('InvalidBatchSize', `A batch holds 1 to ${maxEntriesPerBatch} entries`, { entries: command.entries.length });
      return [
        {
          type,
          data: { electionId: command.electionId, importId: command.importId, batch: command.batch, firstRow: command.firstRow, entries: command.entries },
        } as ImportBatchEvent<K, Entry>,
      ];
    },
  };
}
