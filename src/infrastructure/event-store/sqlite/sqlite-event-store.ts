import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  EventStoreUnavailableError,
  InvalidArgumentError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../event-store.errors.js';
import type {
  ActualStreamState,
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedStreamState,
  MultiStreamAppendResult,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  StreamAppend,
  SubscriptionMessage,
} from '../event-store.port.js';
import {
  MAX_APPEND_BYTES,
  checkReadAllOptions,
  checkReadStreamOptions,
  checkSubscribeOptions,
  validateAndSerialise,
  validateExpectedState,
  validateMultiAppend,
  type SerialisedEvent,
} from '../validation.js';
import { ChangeNotifier } from './change-notifier.js';
import { applyPragmas, createSchema, type SqliteSynchronous } from './schema.js';

export interface SqliteEventStoreOptions {
  /** Path of the database file; its folder is created if needed. */
  file: string;
  /** FULL (default) survives power loss; NORMAL survives a process crash and is about 3x faster. */
  synchronous?: SqliteSynchronous;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  maxAppendBytes?: number;
  /** Rows read per page by readAll, readStream and subscriptions (bounds their memory). */
  pageSize?: number;
  /** Safety net for cross-process wake-ups when file watching misses a change. */
  safetyPollMs?: number;
}

interface EventRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
}

const COLUMNS = 'position, stream, revision, id, type, data, metadata, recorded_at';

/**
 * The embedded event store: one SQLite file in WAL mode, a faithful twin of KurrentDB's semantics.
 *
 * Positions are SQLite rowids assigned inside the write transaction, and SQLite admits one writer
 * at a time (across processes too), so commit order is position order and positions have no gaps:
 * a reader that sees position N has seen every position below it. That is what lets
 * subscriptions deliver every event exactly once, in order.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly notifier: ChangeNotifier;
  private readonly pageSize: number;
  private readonly maxAppendBytes: number;
  private readonly statements;
  private readonly appendTransaction: Database.Transaction<(stream: string, events: SerialisedEvent[], expected: ExpectedStreamState) => AppendResult>;
  private readonly multiAppendTransaction: Database.Transaction<(appends: readonly StreamAppend[], events: SerialisedEvent[][]) => MultiStreamAppendResult>;
  private readonly filterStatements = new Map<string, Database.Statement>();
  private readonly subscriptions = new Set<AbortController>();
  private closed = false;

  constructor(options: SqliteEventStoreOptions) {
    this.file = resolve(options.file);
    mkdirSync(dirname(this.file), { recursive: true });
    this.pageSize = options.pageSize ?? 500;
    this.maxAppendBytes = options.maxAppendBytes ?? MAX_APPEND_BYTES;
    try {
      this.db = new Database(this.file);
      applyPragmas(this.db, { synchronous: options.synchronous ?? 'FULL', busyTimeoutMs: options.busyTimeoutMs ?? 10_000 });
      createSchema(this.db);
    } catch (error) {
      throw new EventStoreUnavailableError(`Cannot open the event store at ${this.file}: ${(error as Error).message}`, error);
    }
    this.statements = {
      streamRevision: this.db.prepare<[string], { revision: number }>('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      streamRange: this.db.prepare<[string, number, number], { id: string; position: number }>(
        'SELECT id, position FROM events WHERE stream = ? AND revision BETWEEN ? AND ? ORDER BY revision',
      ),
      insert: this.db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      streamForwards: this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      streamBackwards: this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      head: this.db.prepare<[], { position: number | null }>('SELECT max(position) AS position FROM events'),
      dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
    };
    this.appendTransaction = this.db.transaction((stream: string, events: SerialisedEvent[], expected: ExpectedStreamState) =>
      this.appendInTransaction(stream, events, expected),
    );
    this.multiAppendTransaction = this.db.transaction((appends: readonly StreamAppend[], events: SerialisedEvent[][]) => {
      const results = appends.map((append, index) => this.appendInTransaction(append.stream, events[index]!, append.expectedState));
      return {
        position: results.reduce((max, result) => (result.position > max ? result.position : max), 0n),
        streams: results.map((result, index) => ({ stream: appends[index]!.stream, nextExpectedRevision: result.nextExpectedRevision })),
      };
    });
    this.notifier = new ChangeNotifier(this.file, () => this.statements.dataVersion.get() as number, options.safetyPollMs ?? 500);
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    const expectedState = options.expectedState ?? 'any';
    validateExpectedState(expectedState);
    const serialised = validateAndSerialise(stream, events, this.maxAppendBytes);
    if (serialised.length === 0) throw new InvalidArgumentError('an append needs at least one event');
    this.assertOpen();
    const result = this.appendTransaction.immediate(stream, serialised, expectedState);
    this.notifier.committed();
    return result;
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    const serialised = validateMultiAppend(appends, this.maxAppendBytes);
    this.assertOpen();
    // A conflict thrown by any stream rolls the whole transaction back: nothing is written.
    const result = this.multiAppendTransaction.immediate(appends, serialised);
    this.notifier.committed();
    return result;
  }

  private appendInTransaction(stream: string, events: SerialisedEvent[], expected: ExpectedStreamState): AppendResult {
    const last = this.statements.streamRevision.get(stream);
    const actual: ActualStreamState = last === undefined ? 'no_stream' : BigInt(last.revision);
    const current = last === undefined ? -1 : last.revision;

    const matches =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      (typeof expected === 'bigint' && actual === expected);

    if (!matches || expected === 'any' || expected === 'stream_exists') {
      const replay = this.findIdempotentReplay(stream, events, expected, current);
      if (replay) return replay;
      if (!matches) throw new WrongExpectedVersionError(stream, expected, actual);
    }

    const recordedAt = Date.now();
    let position = 0;
    events.forEach((event, index) => {
      const info = this.statements.insert.run(stream, current + 1 + index, event.id, event.type, event.data, event.metadata, recordedAt);
      position = Number(info.lastInsertRowid);
    });
    return { nextExpectedRevision: BigInt(current + events.length), position: BigInt(position) };
  }

  /**
   * KurrentDB's idempotence: the same event ids appended again at the same expected state are a
   * success that writes nothing. With an exact revision (or no_stream) the ids must follow that
   * revision; with `any` or `stream_exists` they must be the stream's latest events (KurrentDB
   * checks a cache of recent writes there, so this is best effort on both stores).
   */
  private findIdempotentReplay(stream: string, events: SerialisedEvent[], expected: ExpectedStreamState, current: number): AppendResult | null {
    let from: number;
    if (expected === 'no_stream') from = 0;
    else if (typeof expected === 'bigint') from = Number(expected) + 1;
    else from = current - events.length + 1;
    if (from < 0 || current < from + events.length - 1) return null;
    const stored = this.statements.streamRange.all(stream, from, from + events.length - 1);
    if (stored.length !== events.length || stored.some((row, i) => row.id !== events[i]!.id)) return null;
    return { nextExpectedRevision: BigInt(from + events.length - 1), position: BigInt(stored[stored.length - 1]!.position) };
  }

  readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const { direction, from } = checkReadStreamOptions(stream, options);
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        store.assertOpen();
        if (store.statements.streamRevision.get(stream) === undefined) throw new StreamNotFoundError(stream);
        let remaining = options.maxCount ?? Number.MAX_SAFE_INTEGER;
        let next = from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : Number(from);
        if (direction === 'forwards' && from === 'end') return;
        while (remaining > 0 && next >= 0) {
          store.assertOpen();
          const limit = Math.min(remaining, store.pageSize);
          const statement = direction === 'forwards' ? store.statements.streamForwards : store.statements.streamBackwards;
          const rows = statement.all(stream, next, limit);
          for (const row of rows) yield toRecordedEvent(row);
          if (rows.length < limit) return;
          remaining -= rows.length;
          const lastRevision = rows[rows.length - 1]!.revision;
          next = direction === 'forwards' ? lastRevision + 1 : lastRevision - 1;
        }
      },
    };
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const { direction, from } = checkReadAllOptions(options);
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        store.assertOpen();
        let remaining = options.maxCount ?? Number.MAX_SAFE_INTEGER;
        // Exclusive bound: forwards reads positions > after, backwards reads positions < before.
        let bound = from === 'start' ? (direction === 'forwards' ? 0 : -1) : from === 'end' ? (direction === 'forwards' ? store.head() : Number.MAX_SAFE_INTEGER) : Number(from);
        while (remaining > 0) {
          store.assertOpen();
          const limit = Math.min(remaining, store.pageSize);
          const rows = store.readAllPage(direction, bound, direction === 'forwards' ? Number.MAX_SAFE_INTEGER : 0, limit, options.filter);
          for (const row of rows) yield toRecordedEvent(row);
          if (rows.length < limit) return;
          remaining -= rows.length;
          bound = rows[rows.length - 1]!.position;
        }
      },
    };
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const { from } = checkSubscribeOptions(options);
    this.assertOpen();
    const abort = new AbortController();
    this.subscriptions.add(abort);
    const store = this;
    let started = false;

    async function* messages(): AsyncGenerator<SubscriptionMessage> {
      let after = from === 'start' ? 0 : from === 'end' ? store.head() : Number(from);
      let caughtUp = false;
      try {
        while (!abort.signal.aborted) {
          // Take the change ticket before reading, so a commit landing after the read still wakes us.
          const seen = store.notifier.current;
          const head = store.head();
          let rows: EventRow[] = [];
          if (head > after) {
            rows = store.readAllPage('forwards', after, head, store.pageSize, options.filter);
            for (const row of rows) {
              if (abort.signal.aborted) return;
              yield { kind: 'event', event: toRecordedEvent(row) };
              after = row.position;
            }
            // With a filter, a short page means nothing else matches up to the head: skip past it.
            if (rows.length < store.pageSize) after = head;
          }
          if (rows.length < store.pageSize) {
            if (!caughtUp) {
              caughtUp = true;
              yield { kind: 'caughtUp', position: after === 0 ? null : BigInt(after) };
            }
            await store.notifier.waitForChange(seen, abort.signal);
          }
        }
      } finally {
        store.subscriptions.delete(abort);
      }
    }

    return {
      [Symbol.asyncIterator]() {
        if (started) throw new InvalidArgumentError('a subscription can be iterated only once');
        started = true;
        return messages();
      },
      async close() {
        abort.abort();
      },
    };
  }

  async headPosition(): Promise<bigint | null> {
    this.assertOpen();
    const head = this.head();
    return head === 0 ? null : BigInt(head);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.abort();
    this.notifier.close();
    this.db.close();
  }

  private head(): number {
    return this.statements.head.get()?.position ?? 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
  }

  /** One page of `$all` strictly after (forwards) or before (backwards) `bound`, never past `limitBound`. */
  private readAllPage(direction: 'forwards' | 'backwards', bound: number, limitBound: number, limit: number, filter: AllFilter | undefined): EventRow[] {
    const statement = this.pageStatement(direction, filter);
    const prefixes = filter?.prefixes ?? [];
    return statement.all(bound, limitBound, ...prefixes.flatMap((prefix) => [prefix.length, prefix]), limit) as EventRow[];
  }

  private pageStatement(direction: 'forwards' | 'backwards', filter: AllFilter | undefined): Database.Statement {
    const key = `${direction}:${filter?.kind ?? 'none'}:${filter?.prefixes.length ?? 0}`;
    let statement = this.filterStatements.get(key);
    if (!statement) {
      const column = filter?.kind === 'eventType' ? 'type' : 'stream';
      // substr() rather than LIKE: LIKE ignores ASCII case and treats % and _ as wildcards.
      const match = filter ? ` AND (${filter.prefixes.map(() => `substr(${column}, 1, ?) = ?`).join(' OR ')})` : '';
      const range = direction === 'forwards' ? 'position > ? AND position <= ?' : 'position < ? AND position >= ?';
      statement = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE ${range}${match} ORDER BY position ${direction === 'forwards' ? 'ASC' : 'DESC'} LIMIT ?`);
      this.filterStatements.set(key, statement);
    }
    return statement;
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    stream: row.stream,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    recordedAt: new Date(row.recorded_at),
  };
}
