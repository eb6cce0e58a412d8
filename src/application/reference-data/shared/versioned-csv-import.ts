import { performance } from 'node:perf_hooks';
import type { Decider } from '../../../domain/shared/decider.js';
import {
  assertElectionId,
  planImport,
  type ImportBatchEvent,
  type ImportBatchesState,
  type ImportLifecycleCommand,
  type ImportLifecycleEvent,
  type ImportListKind,
  type ImportRef,
  type RecordBatchCommand,
  type VersionedImportState,
  type VersionedImportStreams,
} from '../../../domain/reference-data/versioned-import.js';
import { StreamNotFoundError } from '../../../infrastructure/event-store/event-store.errors.js';
import type { EventStore, ExpectedStreamState, JsonValue } from '../../../infrastructure/event-store/event-store.port.js';
import { MAX_APPEND_BYTES } from '../../../infrastructure/event-store/validation.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { handleCommand } from '../../command-handling/handle-command.js';
import { DuplicateDetector } from './duplicate-detector.js';
import { InvalidCsvFileError, MAX_REPORTED_ISSUES, readCsvFile, type CsvColumn, type CsvIssue, type CsvReadProgress } from './csv-reader.js';

/**
 * The two-pass, streaming, resumable import of a reference list from CSV, shared by the
 * electoral roll and the list of elected officials.
 *
 * Pass 1 (validation) streams the file once: SHA-256 of its bytes, every row checked, repeated
 * keys found with a few bytes per row (DuplicateDetector). Any problem: InvalidCsvFileError with
 * line numbers, and nothing is written.
 * Then the list's stream says what to do with that hash (see planImport): nothing ('unchanged'),
 * resume the import in progress, or start version N+1.
 * Pass 2 (import) streams the file again, skips the rows already recorded (a resumed import), and
 * appends batches to the import's batch stream at the exact expected revision, so that a crash
 * at any point followed by a re-run completes the import with every row exactly once. Finally it
 * checks the file did not change between the passes and records the completion.
 *
 * Memory stays bounded: one append's rows at a time, plus the duplicate table of pass 1.
 */

export interface ListImportDefinition<K extends ImportListKind, Row, Entry> {
  kind: K;
  /** For messages: "electoral roll". */
  label: string;
  streams: VersionedImportStreams;
  lifecycle: Decider<ImportLifecycleCommand, ImportLifecycleEvent<K>, VersionedImportState>;
  /** Its `evolve` must depend on the last event only (it is loaded from the stream's last event). */
  batches: Decider<RecordBatchCommand<Entry>, ImportBatchEvent<K, Entry>, ImportBatchesState>;
  columns: readonly CsvColumn[];
  /** A row's typed value, or null after pushing its problems to `issues`. */
  parseRow(values: readonly string[], line: number, issues: CsvIssue[]): Row | null;
  /** Which column holds the key that must be unique within a file, and its name for messages. */
  uniqueKeyColumn: number;
  uniqueKeyLabel: string;
  entriesPerEvent: number;
  eventsPerAppend: number;
  /**
   * Appends whose entries are built together by one `toEntries` call (the roll seals them in one
   * key-store transaction: fewer, larger commits); they are then appended one after the other.
   */
  appendsPerEntryBuild: number;
  /** An upper estimate of the bytes an entry takes in an event's JSON: batches are cut to stay under the append limit. */
  estimateEntryBytes(row: Row): number;
  /**
   * The entries of one append, in order (synchronous: the roll seals them in one vault
   * transaction, which must have returned before they are appended).
   */
  toEntries(rows: readonly Row[], electionId: string): Entry[];
}

interface PendingAppend<Row> {
  rows: Row[];
  /** Entries of each event of the append. */
  groupSizes: number[];
  bytes: number;
}

export interface ImportFileCommand {
  electionId: string;
  file: string;
  /** Recorded in the Started event; default: the file's base name. */
  sourceName: string;
  /** Recorded in event metadata (`cli:<user>`, a staff id…). */
  actor?: string;
}

export interface ImportProgress {
  phase: 'validating' | 'importing';
  /** Data rows read in this phase. */
  rows: number;
  /** Known in the import phase (counted by the validation). */
  totalRows: number | null;
  bytes: number;
  totalBytes: number;
  /** Rows read in this phase per second of this phase. */
  rowsPerSecond: number;
}

export interface ImportHooks {
  onProgress?: (progress: ImportProgress) => void;
  /** After each append of batches is committed (tests use it to crash mid-import). */
  afterAppend?: (state: ImportBatchesState) => void | Promise<void>;
}

export interface ImportOutcome {
  /** 'imported': a new version; 'resumed': an interrupted import completed; 'unchanged': nothing written. */
  status: 'imported' | 'resumed' | 'unchanged';
  electionId: string;
  importId: string;
  version: number;
  contentHash: string;
  rows: number;
  batches: number;
  /** Rows appended by this run (fewer than `rows` for a resumed import, 0 when unchanged). */
  rowsAppended: number;
  /** Rows an earlier, interrupted run had already recorded. */
  resumedFromRow: number;
  /** Header names that matched no column (ignored). */
  ignoredColumns: string[];
  seconds: number;
  validationSeconds: number;
  importSeconds: number;
}

/** The list's stream changed under the import (another import running at the same time). */
export class ConcurrentImportError extends Error {
  readonly code = 'CONCURRENT_IMPORT';
}

/** The file's content changed between the validation and the import passes. */
export class FileChangedDuringImportError extends Error {
  readonly code = 'FILE_CHANGED_DURING_IMPORT';
}

export interface VersionedCsvImporterOptions {
  now?: () => Date;
  /** The store's append limit (default KurrentDB's 1 MiB); batches are cut at 3/4 of it. */
  maxAppendBytes?: number;
  /** Rows between progress reports (default 10,000). */
  progressEveryRows?: number;
}

export class VersionedCsvImporter<K extends ImportListKind, Row, Entry> {
  private readonly now: () => Date;
  private readonly appendBudget: number;
  private readonly progressEveryRows: number;

  constructor(
    private readonly store: EventStore,
    private readonly definition: ListImportDefinition<K, Row, Entry>,
    options: VersionedCsvImporterOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.appendBudget = Math.floor((options.maxAppendBytes ?? MAX_APPEND_BYTES) * 0.75);
    this.progressEveryRows = options.progressEveryRows ?? 10_000;
  }

  async import(command: ImportFileCommand, hooks: ImportHooks = {}): Promise<ImportOutcome> {
    const { electionId } = command;
    assertElectionId(electionId);
    const started = performance.now();

    const validation = await this.validate(command.file, hooks);
    const validationSeconds = (performance.now() - started) / 1000;
    const contentHash = validation.contentHash;
    const listStream = this.definition.streams.listStream(electionId);
    const envelope = (commandId: string, lifecycleCommand: ImportLifecycleCommand) => ({
      commandId,
      stream: listStream,
      command: lifecycleCommand,
      ...(command.actor === undefined ? {} : { actor: command.actor }),
    });

    let plan = planImport(await this.loadLifecycle(listStream), contentHash);
    if (plan.kind === 'unchanged') {
      if (plan.abandons !== null)
        await handleCommand(
          this.store,
          this.definition.lifecycle,
          envelope(`${listStream}/abandon/${plan.abandons.importId}`, { type: 'StartImport', electionId, contentHash, sourceName: command.sourceName }),
          { now: this.now },
        );
      return {
        status: 'unchanged',
        electionId,
        importId: plan.active.importId,
        version: plan.active.version,
        contentHash,
        rows: plan.active.rows,
        batches: plan.active.batches,
        rowsAppended: 0,
        resumedFromRow: 0,
        ignoredColumns: validation.ignoredColumns,
        seconds: (performance.now() - started) / 1000,
        validationSeconds,
        importSeconds: 0,
      };
    }
    if (plan.kind === 'start') {
      await handleCommand(
        this.store,
        this.definition.lifecycle,
        envelope(`${listStream}/start/v${plan.version}/${contentHash}`, { type: 'StartImport', electionId, contentHash, sourceName: command.sourceName }),
        { now: this.now },
      );
      plan = planImport(await this.loadLifecycle(listStream), contentHash);
    }
    if (plan.kind !== 'resume')
      throw new ConcurrentImportError(`Another import of the ${this.definition.label} of ${electionId} ran at the same time; run this one again`);

    const importStarted = performance.now();
    const importRef = plan.import;
    const { state, resumedFromRow } = await this.importRows(command, importRef, validation, hooks);
    if (state.rows !== validation.rows)
      throw new FileChangedDuringImportError(`${command.file} changed during the import (${validation.rows} rows validated, ${state.rows} recorded); run the import again`);

    await handleCommand(
      this.store,
      this.definition.lifecycle,
      envelope(`${listStream}/complete/${importRef.importId}`, {
        type: 'CompleteImport',
        electionId,
        importId: importRef.importId,
        contentHash,
        rows: state.rows,
        batches: state.batches,
      }),
      { now: this.now },
    );
    const end = performance.now();
    return {
      status: resumedFromRow > 0 ? 'resumed' : 'imported',
      electionId,
      importId: importRef.importId,
      version: importRef.version,
      contentHash,
      rows: state.rows,
      batches: state.batches,
      rowsAppended: state.rows - resumedFromRow,
      resumedFromRow,
      ignoredColumns: validation.ignoredColumns,
      seconds: (end - started) / 1000,
      validationSeconds,
      importSeconds: (end - importStarted) / 1000,
    };
  }

  /** Pass 1: hash, checks, repeated keys. Throws InvalidCsvFileError listing the problems. */
  async validate(file: string, hooks: ImportHooks = {}): Promise<{ contentHash: string; rows: number; bytes: number; ignoredColumns: string[] }> {
    const issues: CsvIssue[] = [];
    let totalIssues = 0;
    const keep = (issue: CsvIssue) => {
      totalIssues++;
      if (issues.length < MAX_REPORTED_ISSUES) issues.push(issue);
    };
    const detector = new DuplicateDetector();
    /** Candidate repeats: [line, earlier line, key]; confirmed by comparing the keys below. */
    const candidates: Array<{ line: number; earlierLine: number; key: string }> = [];
    const rowIssues: CsvIssue[] = [];
    const started = performance.now();
    const { uniqueKeyColumn } = this.definition;

    const result = await readCsvFile(
      file,
      this.definition.columns,
      (row) => {
        rowIssues.length = 0;
        this.definition.parseRow(row.values, row.line, rowIssues);
        for (const issue of rowIssues) keep(issue);
        // Keys of invalid rows count too: a repeat is reported whatever else is wrong.
        const key = row.values[uniqueKeyColumn]!;
        if (key !== '') {
          const earlierLine = detector.add(key, row.line);
          if (earlierLine !== 0) candidates.push({ line: row.line, earlierLine, key });
        }
      },
      { progressEveryRows: this.progressEveryRows, onProgress: (progress) => hooks.onProgress?.(this.progress('validating', progress, null, started)) },
    );

    if (candidates.length > 0) {
      for (const duplicate of await this.confirmDuplicates(file, candidates)) keep(duplicate);
    }
    if (totalIssues > 0) {
      issues.sort((a, b) => a.line - b.line);
      throw new InvalidCsvFileError(file, issues, totalIssues);
    }
    return result;
  }

  /** Re-reads the keys at the earlier lines of candidate repeats and keeps the true repeats. */
  private async confirmDuplicates(file: string, candidates: Array<{ line: number; earlierLine: number; key: string }>): Promise<CsvIssue[]> {
    const wanted = new Map<number, string | null>(candidates.map((c) => [c.earlierLine, null]));
    await readCsvFile(file, this.definition.columns, (row) => {
      if (wanted.has(row.line)) wanted.set(row.line, row.values[this.definition.uniqueKeyColumn]!);
    });
    const column = this.definition.columns[this.definition.uniqueKeyColumn]!.names[0];
    return candidates
      .filter((c) => wanted.get(c.earlierLine) === c.key)
      .map((c) => ({
        line: c.line,
        ...(column === undefined ? {} : { column }),
        message: `duplicate ${this.definition.uniqueKeyLabel} ${JSON.stringify(c.key)} (already on line ${c.earlierLine})`,
      }));
  }

  private async importRows(
    command: ImportFileCommand,
    importRef: ImportRef,
    validation: { contentHash: string; rows: number },
    hooks: ImportHooks,
  ): Promise<{ state: ImportBatchesState; resumedFromRow: number }> {
    const { definition } = this;
    const batchStream = importRef.batchStream;
    let { state, revision } = await this.loadBatches(batchStream);
    const resumedFromRow = state.rows;
    const correlationId = `${definition.streams.listStream(command.electionId)}/${importRef.importId}`;

    /** Appends waiting for their entries to be built (one toEntries call, e.g. one vault transaction, for all). */
    const pending: PendingAppend<Row>[] = [];
    let current: PendingAppend<Row> = { rows: [], groupSizes: [], bytes: 0 };
    let rowIndex = 0;
    const started = performance.now();
    const rowIssues: CsvIssue[] = [];

    const appendAll = async () => {
      if (current.rows.length > 0) pending.push(current);
      current = { rows: [], groupSizes: [], bytes: 0 };
      if (pending.length === 0) return;
      const appends = pending.splice(0);
      const entries = definition.toEntries(
        appends.flatMap((append) => append.rows),
        command.electionId,
      );
      let offset = 0;
      for (const append of appends) {
        const events: Array<ImportBatchEvent<K, Entry>> = [];
        let next = state;
        for (const size of append.groupSizes) {
          const decided = definition.batches.decide(
            {
              type: 'RecordBatch',
              electionId: command.electionId,
              importId: importRef.importId,
              batch: next.batches,
              firstRow: next.rows,
              entries: entries.slice(offset, offset + size),
            },
            next,
          );
          offset += size;
          for (const event of decided) {
            events.push(event);
            next = definition.batches.evolve(next, event);
          }
        }
        const occurredAt = this.now().toISOString();
        const expectedState: ExpectedStreamState = revision === null ? 'no_stream' : revision;
        const result = await this.store.appendToStream(
          batchStream,
          events.map((event) => ({
            id: deterministicEventId(batchStream, event.data.batch),
            type: event.type,
            data: event.data as unknown as JsonValue,
            metadata: {
              correlationId,
              causationId: correlationId,
              ...(command.actor === undefined ? {} : { actor: command.actor }),
              schemaVersion: 1,
              occurredAt,
            },
          })),
          { expectedState },
        );
        revision = result.nextExpectedRevision;
        state = next;
        await hooks.afterAppend?.(state);
      }
    };

    const result = await readCsvFile(
      command.file,
      definition.columns,
      async (row) => {
        const index = rowIndex++;
        if (index < resumedFromRow) return;
        rowIssues.length = 0;
        const parsed = definition.parseRow(row.values, row.line, rowIssues);
        if (parsed === null)
          throw new FileChangedDuringImportError(`${command.file} changed during the import: line ${row.line} is no longer valid (${rowIssues[0]?.message ?? 'invalid'})`);
        const bytes = definition.estimateEntryBytes(parsed);
        const groupFull = current.groupSizes.length === 0 || current.groupSizes[current.groupSizes.length - 1]! >= definition.entriesPerEvent;
        // Close the current append when this row would take it over the byte budget, or when it
        // would need one event more than an append holds.
        if (current.rows.length > 0 && (current.bytes + bytes > this.appendBudget || (groupFull && current.groupSizes.length >= definition.eventsPerAppend))) {
          pending.push(current);
          current = { rows: [], groupSizes: [], bytes: 0 };
          if (pending.length >= definition.appendsPerEntryBuild) await appendAll();
        }
        if (current.groupSizes.length === 0 || current.groupSizes[current.groupSizes.length - 1]! >= definition.entriesPerEvent) {
          current.groupSizes.push(0);
        }
        current.rows.push(parsed);
        current.groupSizes[current.groupSizes.length - 1]!++;
        current.bytes += bytes;
      },
      {
        progressEveryRows: this.progressEveryRows,
        onProgress: (progress) => hooks.onProgress?.(this.progress('importing', progress, validation.rows, started)),
      },
    );
    await appendAll();
    if (result.contentHash !== validation.contentHash)
      throw new FileChangedDuringImportError(`${command.file} changed during the import (its SHA-256 is no longer the validated one); run the import again`);
    return { state, resumedFromRow };
  }

  private progress(phase: ImportProgress['phase'], read: CsvReadProgress, totalRows: number | null, started: number): ImportProgress {
    const seconds = Math.max((performance.now() - started) / 1000, 0.001);
    return { phase, rows: read.rows, totalRows, bytes: read.bytes, totalBytes: read.totalBytes, rowsPerSecond: read.rows / seconds };
  }

  private async loadLifecycle(stream: string): Promise<VersionedImportState> {
    const decider = this.definition.lifecycle;
    let state = decider.initialState();
    try {
      for await (const recorded of this.store.readStream(stream)) {
        state = decider.evolve(state, { type: recorded.type, data: recorded.data } as unknown as ImportLifecycleEvent<K>);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return state;
  }

  /** The batch stream's state from its last event only (batches are large; evolve needs no more). */
  private async loadBatches(stream: string): Promise<{ state: ImportBatchesState; revision: bigint | null }> {
    const decider = this.definition.batches;
    try {
      for await (const recorded of this.store.readStream(stream, { direction: 'backwards', maxCount: 1 })) {
        const state = decider.evolve(decider.initialState(), { type: recorded.type, data: recorded.data } as unknown as ImportBatchEvent<K, Entry>);
        return { state, revision: recorded.revision };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return { state: decider.initialState(), revision: null };
  }
}
