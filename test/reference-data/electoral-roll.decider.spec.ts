import { describe, expect, it } from '@jest/globals';
import {
  electoralRollBatchesDecider,
  electoralRollDecider,
  ROLL_ENTRIES_PER_BATCH,
  type ElectoralRollBatchImported,
  type ElectoralRollLifecycleEvent,
  type RollEntryRecord,
} from '../../src/domain/reference-data/electoral-roll.js';
import { electedOfficialsDecider } from '../../src/domain/reference-data/elected-officials.js';
import { importIdFor, planImport } from '../../src/domain/reference-data/versioned-import.js';
import { DeciderSpecification } from '../support/decider-specification.js';

const given = DeciderSpecification.for(electoralRollDecider);
const E = 'paris-2013';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const started = (version: number, contentHash: string, sourceName = 'roll.csv'): ElectoralRollLifecycleEvent => ({
  type: 'ElectoralRollImportStarted',
  data: {
    electionId: E,
    importId: importIdFor(version, contentHash),
    version,
    contentHash,
    sourceName,
    batchStream: `electoralrollbatch-${E}_${importIdFor(version, contentHash)}`,
  },
});
const completed = (version: number, contentHash: string, rows = 3, batches = 1): ElectoralRollLifecycleEvent => ({
  type: 'ElectoralRollImportCompleted',
  data: { electionId: E, importId: importIdFor(version, contentHash), version, contentHash, rows, batches },
});
const abandoned = (version: number, contentHash: string, supersededBy: string): ElectoralRollLifecycleEvent => ({
  type: 'ElectoralRollImportAbandoned',
  data: { electionId: E, importId: importIdFor(version, contentHash), version, supersededBy },
});
const start = (contentHash: string, sourceName = 'roll.csv') => ({ type: 'StartImport' as const, electionId: E, contentHash, sourceName });
const complete = (version: number, contentHash: string, rows = 3, batches = 1) => ({
  type: 'CompleteImport' as const,
  electionId: E,
  importId: importIdFor(version, contentHash),
  contentHash,
  rows,
  batches,
});

describe('electoral roll imports (stream electoralroll-<electionId>)', () => {
  it('the first file starts version 1, its id derived from the version and the hash', () => {
    given([]).when(start(A)).then([started(1, A)]);
    expect(importIdFor(1, A)).toBe(`v1-${'a'.repeat(16)}`);
  });

  it('the import in progress completes with its rows and batches', () => {
    given([started(1, A)]).when(complete(1, A, 1_300_000, 1_300)).then([completed(1, A, 1_300_000, 1_300)]);
  });

  it('the same file again is a no-op', () => {
    given([started(1, A), completed(1, A)]).when(start(A)).thenNothingHappens();
  });

  it('a changed file is version N+1', () => {
    given([started(1, A), completed(1, A)]).when(start(B)).then([started(2, B)]);
  });

  it('going back to an earlier file is a new version too (the list in force changes)', () => {
    given([started(1, A), completed(1, A), started(2, B), completed(2, B)]).when(start(A)).then([started(3, A)]);
  });

  it('the file of an interrupted import resumes it: nothing new to record', () => {
    given([started(1, A), completed(1, A), started(2, B)]).when(start(B)).thenNothingHappens();
    expect(planImport({ lastVersion: 2, active: null, inProgress: { importId: importIdFor(2, B), version: 2, contentHash: B, sourceName: 'x', batchStream: 's' } }, B).kind).toBe('resume');
  });

  it('another file supersedes an interrupted import: it is abandoned, and the new one takes the next version', () => {
    given([started(1, A), completed(1, A), started(2, B)]).when(start(C)).then([abandoned(2, B, importIdFor(3, C)), started(3, C)]);
  });

  it('the file in force closes an interrupted import of another file, and starts nothing', () => {
    given([started(1, A), completed(1, A), started(2, B)]).when(start(A)).then([abandoned(2, B, importIdFor(1, A))]);
  });

  it('completing twice is a no-op', () => {
    given([started(1, A), completed(1, A)]).when(complete(1, A)).thenNothingHappens();
  });

  it('refuses to complete an import that is not in progress', () => {
    given([]).when(complete(1, A)).thenRefuses('ImportNotInProgress');
    given([started(1, A), completed(1, A), started(2, B), abandoned(2, B, importIdFor(3, C)), started(3, C)]).when(complete(2, B)).thenRefuses('ImportNotInProgress');
  });

  it('refuses to complete with another file than the one it started with', () => {
    given([started(1, A)]).when({ ...complete(1, A), contentHash: B }).thenRefuses('ContentHashMismatch');
  });

  it('refuses a hash that is not a SHA-256 in hex, and an election id unfit for a stream name', () => {
    given([]).when(start('not-a-hash')).thenRefuses('InvalidContentHash');
    given([]).when({ ...start(A), electionId: 'paris 2013' }).thenRefuses('InvalidElectionId');
  });

  it('the officials list follows the same rules with its own event types', () => {
    const events = electedOfficialsDecider.decide({ type: 'StartImport', electionId: E, contentHash: A, sourceName: 'elus.csv' }, electedOfficialsDecider.initialState());
    expect(events).toEqual([
      {
        type: 'ElectedOfficialsImportStarted',
        data: { electionId: E, importId: importIdFor(1, A), version: 1, contentHash: A, sourceName: 'elus.csv', batchStream: `electedofficialsbatch-${E}_${importIdFor(1, A)}` },
      },
    ]);
  });
});

describe('electoral roll batches (stream electoralrollbatch-<electionId>_<importId>)', () => {
  const givenBatches = DeciderSpecification.for(electoralRollBatchesDecider);
  const importId = importIdFor(1, A);
  const entry = (n: number): RollEntryRecord => ({
    rollEntryId: `roll_${n}`,
    arrondissement: '4',
    pollingStation: '4-02',
    identityIndex: `index-${n}`,
    sealed: { sealed: 'v1', subject: `roll_${n}`, iv: 'AAAAAAAAAAAAAAAA', data: 'opaque' },
  });
  const entries = (from: number, count: number) => Array.from({ length: count }, (_, i) => entry(from + i));
  const batch = (n: number, firstRow: number, count: number): ElectoralRollBatchImported => ({
    type: 'ElectoralRollBatchImported',
    data: { electionId: E, importId, batch: n, firstRow, entries: entries(firstRow, count) },
  });
  const record = (n: number, firstRow: number, count: number) => ({ type: 'RecordBatch' as const, electionId: E, importId, batch: n, firstRow, entries: entries(firstRow, count) });

  it('records batches in order, each starting where the previous ended', () => {
    givenBatches([]).when(record(0, 0, 50)).then([batch(0, 0, 50)]);
    givenBatches([batch(0, 0, 50)]).when(record(1, 50, 40)).then([batch(1, 50, 40)]);
  });

  it('a batch already recorded is a no-op (a resumed import never duplicates)', () => {
    givenBatches([batch(0, 0, 50), batch(1, 50, 50)]).when(record(1, 50, 50)).thenNothingHappens();
  });

  it('refuses a gap, a row mismatch, an empty or oversized batch, a batch of another import', () => {
    givenBatches([batch(0, 0, 50)]).when(record(2, 100, 50)).thenRefuses('BatchOutOfOrder', { expected: 1, actual: 2 });
    givenBatches([batch(0, 0, 50)]).when(record(1, 40, 50)).thenRefuses('BatchRowsMismatch', { expected: 50, actual: 40 });
    givenBatches([]).when(record(0, 0, 0)).thenRefuses('InvalidBatchSize');
    givenBatches([]).when(record(0, 0, ROLL_ENTRIES_PER_BATCH + 1)).thenRefuses('InvalidBatchSize');
    givenBatches([batch(0, 0, 50)]).when({ ...record(1, 50, 1), importId: 'v2-bbbbbbbbbbbbbbbb' }).thenRefuses('WrongImport');
  });

  it('the state needs the last event only (importers load it from the stream end)', () => {
    const fromAll = [batch(0, 0, 50), batch(1, 50, 50), batch(2, 100, 7)].reduce(electoralRollBatchesDecider.evolve, electoralRollBatchesDecider.initialState());
    const fromLast = electoralRollBatchesDecider.evolve(electoralRollBatchesDecider.initialState(), batch(2, 100, 7));
    expect(fromLast).toEqual(fromAll);
    expect(fromAll).toEqual({ importId, batches: 3, rows: 107 });
  });
});
