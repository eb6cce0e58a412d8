import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  eventTypeFilter,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type CaughtUp,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import {
  AppendTooLargeError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidArgumentError,
  InvalidEventError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../event-store.errors.js';
import type {
  ActualStreamState,
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  EventToAppend,
  ExpectedStreamState,
  JsonValue,
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
  matchesFilter,
  validateAndSerialise,
  validateExpectedState,
  validateMultiAppend,
} from '../validation.js';

export interface KurrentDbEventStoreOptions {
  /** For example `kurrentdb://localhost:2113?tls=false`, or several hosts for a cluster. */
  connectionString: string;
  maxAppendBytes?: number;
}

/** Events asked of the server per `$all` read request: bounds memory and abandoned reads. */
const PAGE_SIZE = 500;

/** What the client hands back for one recorded event (JSON or binary), reduced to what we read. */
interface ClientRecordedEvent {
  streamId: string;
  id: string;
  type: string;
  isJson: boolean;
  revision: bigint;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

/** Pushed into the client's subscription stream when it catches up, so it keeps its place among the events. */
class CaughtUpMarker {
  constructor(readonly serverPosition: bigint | undefined) {}
}

/**
 * The event store on a KurrentDB node or cluster, through the official gRPC client.
 *
 * Positions: the port has one bigint per `$all` position; KurrentDB has a (commit, prepare) pair.
 * The two differ only for events written in explicit transactions, which only the legacy TCP API
 * could create, so the port's position is the commit position, and a position handed back to us
 * becomes { commit: p, prepare: p }.
 *
 * Input is validated with the same helpers as the SQLite store before anything reaches the server,
 * so a bad append raises the same typed error on both and writes nothing.
 */
export class KurrentDbEventStore implements EventStore {
  readonly kind = 'kurrentdb' as const;
  private readonly client: KurrentDBClient;
  private readonly maxAppendBytes: number;
  private readonly subscriptions = new Set<AllSubscription>();
  private closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    this.maxAppendBytes = options.maxAppendBytes ?? MAX_APPEND_BYTES;
    try {
      this.client = KurrentDBClient.connectionString(options.connectionString);
    } catch (error) {
      throw new EventStoreUnavailableError(`Invalid KurrentDB connection string: ${(error as Error).message}`, error);
    }
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    const expectedState = options.expectedState ?? 'any';
    validateExpectedState(expectedState);
    const serialised = validateAndSerialise(stream, events, this.maxAppendBytes);
    if (serialised.length === 0) throw new InvalidArgumentError('an append needs at least one event');
    this.assertOpen();
    const size = serialised.reduce((sum, e) => sum + Buffer.byteLength(e.data) + Buffer.byteLength(e.metadata) + Buffer.byteLength(e.type), 0);
    const proposed = events.map((event, index) =>
      jsonEvent({
        id: serialised[index]!.id,
        type: event.type,
        // The client JSON.stringifies these, as validateAndSerialise did: the stored bytes are the same.
        data: event.data as JSONType,
        metadata: event.metadata as unknown as JSONType,
      }),
    );
    let result;
    try {
      result = await this.client.appendToStream(stream, proposed, { streamState: expectedState });
    } catch (error) {
      throw toPortError(error, stream, { expectedState, size });
    }
    // Only when the connection string sets throwOnAppendFailure=false does a conflict come back as a value.
    if (!result.success) throw new WrongExpectedVersionError(stream, expectedState, toActualState(result.nextExpectedRevision));
    const position = isRealPosition(result.position?.commit)
      ? result.position!.commit
      : // An idempotent replay is acknowledged without a position: look up where the events went the first time.
        await this.positionOfRevision(stream, result.nextExpectedRevision);
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  /**
   * KurrentDB 25.1+ `multiStreamAppend`: atomic across streams. Its records carry metadata as
   * string properties, so numbers are written as strings and read back as numbers (see
   * toRecordedEvent). Older servers answer UNIMPLEMENTED, reported as EventStoreUnavailableError.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    const serialised = validateMultiAppend(appends, this.maxAppendBytes);
    this.assertOpen();
    const requests = appends.map((append, index) => ({
      streamName: append.stream,
      expectedState: append.expectedState,
      events: append.events.map((event, eventIndex) =>
        jsonEvent({
          id: serialised[index]![eventIndex]!.id,
          type: event.type,
          data: event.data as JSONType,
          metadata: Object.fromEntries(Object.entries(event.metadata).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])) as JSONType,
        }),
      ),
    }));
    let result;
    try {
      result = await this.client.multiStreamAppend(requests);
    } catch (error) {
      const stream = error instanceof Error && 'streamName' in error ? String(error.streamName) : appends[0]!.stream;
      const expectedState = appends.find((append) => append.stream === stream)?.expectedState ?? 'any';
      throw toPortError(error, stream, { expectedState, size: 0 });
    }
    return {
      position: result.position,
      streams: appends.map((append) => ({
        stream: append.stream,
        nextExpectedRevision: result.responses.find((response) => response.streamName === append.stream)!.revision,
      })),
    };
  }

  readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const { direction, from } = checkReadStreamOptions(stream, options);
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        store.assertOpen();
        try {
          const read = store.client.readStream(stream, {
            fromRevision: from === 'start' ? START : from === 'end' ? END : from,
            direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
            ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
          });
          for await (const resolved of read) {
            if (resolved.event) yield toRecordedEvent(resolved.event as ClientRecordedEvent);
          }
        } catch (error) {
          throw toPortError(error, stream);
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
        if ((direction === 'forwards' && from === 'end') || (direction === 'backwards' && (from === 'start' || from === 0n))) return;
        let remaining = options.maxCount ?? Number.MAX_SAFE_INTEGER;
        let position: ReadPosition = toReadPosition(from);
        // The port's fromPosition is exclusive; the server may or may not return the event sitting
        // exactly there, so anything not strictly beyond the bound is dropped here.
        let bound: bigint | null = typeof from === 'bigint' ? from : null;
        try {
          while (remaining > 0) {
            store.assertOpen();
            const page = store.client.readAll({
              fromPosition: position,
              direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
              // One more than needed, in case the server returns the bound itself.
              maxCount: Math.min(remaining + 1, PAGE_SIZE),
              filter: toServerFilter(options.filter),
            });
            let progressed = false;
            for await (const resolved of page) {
              const event = resolved.event as ClientRecordedEvent | undefined;
              if (!event?.position) continue;
              const commit = event.position.commit;
              if (bound !== null && (direction === 'forwards' ? commit <= bound : commit >= bound)) continue;
              progressed = true;
              position = event.position;
              bound = commit;
              if (!isUserEvent(event) || !matchesFilter(options.filter, event.streamId, event.type)) continue;
              yield toRecordedEvent(event);
              if (--remaining === 0) return;
            }
            // Stop on a page that brought nothing new rather than on a short page: a filtered read
            // may legitimately come back short before the end of the log.
            if (!progressed) return;
          }
        } catch (error) {
          throw toPortError(error);
        }
      },
    };
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const { from } = checkSubscribeOptions(options);
    this.assertOpen();
    const store = this;
    const source = this.client.subscribeToAll({
      fromPosition: toReadPosition(from),
      filter: toServerFilter(options.filter),
    });
    // The client reports catching up as an event beside its stream of events. Pushing a marker into
    // that stream from the listener puts it after every event already pushed and before any later
    // one, so pulling the stream yields both in order, and the stream's own buffer (a few messages,
    // then gRPC flow control) is all the read-ahead there is.
    source.once('caughtUp', (info: CaughtUp) => source.push(new CaughtUpMarker(info.position?.commit)));
    // The client emits errors without destroying its stream: an iterator that was not yet started,
    // or was between reads, would never hear of it. Destroying with the error makes it stick.
    source.on('error', (error) => source.destroy(error));
    let started = false;
    let closed = false;

    async function* messages(): AsyncGenerator<SubscriptionMessage> {
      let lastDelivered: bigint | null = typeof from === 'bigint' ? from : null;
      try {
        for await (const item of source as AsyncIterable<AllStreamResolvedEvent | CaughtUpMarker>) {
          if (item instanceof CaughtUpMarker) {
            yield { kind: 'caughtUp', position: await store.caughtUpPosition(item.serverPosition, lastDelivered) };
            continue;
          }
          const event = item.event as ClientRecordedEvent | undefined;
          if (!event?.position) continue;
          if (typeof from === 'bigint' && event.position.commit <= from) continue;
          if (!isUserEvent(event) || !matchesFilter(options.filter, event.streamId, event.type)) continue;
          lastDelivered = event.position.commit;
          yield { kind: 'event', event: toRecordedEvent(event) };
        }
      } catch (error) {
        if (!closed) throw toPortError(error);
      } finally {
        await subscription.close();
      }
    }

    const subscription: AllSubscription = {
      [Symbol.asyncIterator]() {
        if (started) throw new InvalidArgumentError('a subscription can be iterated only once');
        started = true;
        return messages();
      },
      async close() {
        if (closed) return;
        closed = true;
        store.subscriptions.delete(subscription);
        await source.unsubscribe().catch(() => {});
        // Wakes an iterator waiting for the next message; it then ends quietly because `closed` is set.
        source.destroy();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint | null> {
    for await (const event of this.readAll({ direction: 'backwards', maxCount: 1 })) return event.position;
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('The event store is closed');
  }

  private async positionOfRevision(stream: string, revision: bigint): Promise<bigint> {
    for await (const event of this.readStream(stream, { fromRevision: revision, maxCount: 1 })) return event.position;
    throw new EventStoreUnavailableError(`KurrentDB acknowledged an append to "${stream}" but its revision ${revision} cannot be read`);
  }

  /**
   * Matches the SQLite store, which reports the head of `$all` when a subscription catches up.
   * KurrentDB reports its own log position, which may be a system event's: report the last
   * non-system event instead, unless one was written after the server's catch-up point (it is
   * still to be delivered, so the server's position is the one that is safe to resume from).
   */
  private async caughtUpPosition(serverPosition: bigint | undefined, lastDelivered: bigint | null): Promise<bigint | null> {
    if (serverPosition === undefined) return lastDelivered;
    const head = await this.headPosition();
    const caughtUpTo = head === null ? null : head <= serverPosition ? head : serverPosition;
    if (caughtUpTo === null) return lastDelivered;
    return lastDelivered !== null && lastDelivered > caughtUpTo ? lastDelivered : caughtUpTo;
  }
}

function toReadPosition(position: bigint | 'start' | 'end'): ReadPosition {
  if (position === 'start' || position === 0n) return START;
  if (position === 'end') return END;
  return { commit: position, prepare: position };
}

/** The port's filter, or else "no system events", which the server applies before sending anything. */
function toServerFilter(filter: AllFilter | undefined): Filter {
  if (!filter) return excludeSystemEvents();
  const prefixes = [...filter.prefixes];
  return filter.kind === 'eventType' ? eventTypeFilter({ prefixes }) : streamNameFilter({ prefixes });
}

/** The server filters on one criterion only; both '$' rules are checked here as well. */
function isUserEvent(event: ClientRecordedEvent): boolean {
  return !event.type.startsWith('$') && !event.streamId.startsWith('$');
}

/** The server encodes "no position" as -1 in an unsigned field. */
function isRealPosition(commit: bigint | undefined): commit is bigint {
  return commit !== undefined && commit >= 0n && commit < 2n ** 63n;
}

function toActualState(revision: bigint | 'no_stream'): ActualStreamState {
  return revision === 'no_stream' || revision < 0n ? 'no_stream' : revision;
}

function toRecordedEvent(event: ClientRecordedEvent): RecordedEvent {
  if (!event.isJson || event.metadata === null || typeof event.metadata !== 'object' || event.metadata instanceof Uint8Array)
    throw new InvalidEventError(`event ${event.id} in "${event.streamId}" was not written by this application (no JSON data or metadata)`);
  if (!isRealPosition(event.position?.commit))
    throw new EventStoreUnavailableError(`KurrentDB did not report the $all position of event ${event.id} (server older than 22.6?)`);
  return {
    id: event.id,
    type: event.type,
    data: event.data as JsonValue,
    metadata: fromStoredMetadata(event.metadata as Record<string, unknown>),
    stream: event.streamId,
    revision: event.revision,
    position: event.position!.commit,
    recordedAt: event.created,
  };
}

/** Events written by multiStreamAppend carry string properties: schemaVersion comes back a number. */
function fromStoredMetadata(metadata: Record<string, unknown>): EventMetadata {
  const typed = metadata as unknown as EventMetadata;
  return typeof metadata.schemaVersion === 'string' ? { ...typed, schemaVersion: Number(metadata.schemaVersion) } : typed;
}

/** Maps the client's errors to the port's; `append` is set when the failed call was an append. */
function toPortError(error: unknown, stream?: string, append?: { expectedState: ExpectedStreamState; size: number }): Error {
  if (error instanceof EventStoreError) return error;
  if (error instanceof Error && isCommandError(error)) {
    switch (error.type) {
      case 'wrong-expected-version':
        if (stream && append) return new WrongExpectedVersionError(stream, append.expectedState, toActualState(error.actualState));
        break;
      case 'stream-not-found':
        if (stream) return new StreamNotFoundError(stream);
        break;
      case 'stream-deleted':
      case 'stream-tombstoned':
        // The port never deletes; for a reader a deleted stream simply has no events.
        if (stream && !append) return new StreamNotFoundError(stream);
        break;
      case 'maximum-append-size-exceeded':
        if (stream && append) return new AppendTooLargeError(stream, append.size, error.maxAppendSize);
        break;
      case 'transaction-max-size-exceeded':
        if (stream) return new AppendTooLargeError(stream, error.size, error.maxSize);
        break;
      case 'append-record-size-exceeded':
        return new AppendTooLargeError(error.stream, error.size, error.maxSize);
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`KurrentDB ${append ? 'append' : 'read'} failed${stream ? ` on "${stream}"` : ''}: ${message}`, error);
}
