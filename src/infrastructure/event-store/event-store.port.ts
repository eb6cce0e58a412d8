/**
 * The event store port. Its semantics are KurrentDB's (formerly EventStoreDB), exactly, so that
 * the same application runs on the embedded SQLite store and on a KurrentDB cluster:
 * - streams are named `category-id` and hold events at 0-based, gap-free revisions;
 * - every event also has a global position in `$all`, increasing in commit order;
 * - appends are all or nothing and guarded by an expected stream state;
 * - appending the same event ids again at the same expected state is an idempotent success.
 *
 * Revisions and positions are bigints, as in the KurrentDB client.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who did what, why, and when: carried by every event, never holding a secret. */
export interface EventMetadata {
  /** Groups every event caused by one user request (or one process-manager run). */
  correlationId: string;
  /** The id of the command or event that directly caused this event. */
  causationId?: string;
  /** The authenticated actor (staff account, voter pseudonym, `system:<process>`). */
  actor?: string;
  /** Version of the event's data schema, for upcasting old events. */
  schemaVersion: number;
  /** When the fact happened in the domain (ISO 8601), as opposed to when it was recorded. */
  occurredAt: string;
}

/** An event to append. The id must be a UUID; deriving it deterministically makes retries safe. */
export interface EventToAppend<Data extends JsonValue = JsonValue> {
  id: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
}

/** An event as stored: the envelope handed to readers and subscribers. */
export interface RecordedEvent<Data extends JsonValue = JsonValue> {
  id: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
  stream: string;
  revision: bigint;
  position: bigint;
  recordedAt: Date;
}

/**
 * The state a stream must be in for an append to go through:
 * `any` (no check), `no_stream` (must not exist), `stream_exists` (must exist), or the exact
 * revision of the stream's last event.
 */
export type ExpectedStreamState = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** The actual state of a stream, as reported by a conflict. */
export type ActualStreamState = 'no_stream' | bigint;

export interface AppendOptions {
  expectedState?: ExpectedStreamState;
}

export interface AppendResult {
  /** The revision of the stream's last event after the append: pass it as the next expectedState. */
  nextExpectedRevision: bigint;
  /** The global position of the last appended event. */
  position: bigint;
}

/** One stream's part of an atomic multi-stream append. */
export interface StreamAppend {
  stream: string;
  events: readonly EventToAppend[];
  expectedState: ExpectedStreamState;
}

export interface MultiStreamAppendResult {
  /** The global position of the last appended event. */
  position: bigint;
  /** Per stream, in the order requested: the revision to pass as the next expectedState. */
  streams: { stream: string; nextExpectedRevision: bigint }[];
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
}

/** Server-side filter for `$all`: by event-type prefixes or by stream-name prefixes. */
export type AllFilter =
  | { kind: 'eventType'; prefixes: readonly string[] }
  | { kind: 'streamName'; prefixes: readonly string[] };

export interface ReadAllOptions {
  /** Exclusive: the event at this position is not returned. Defaults to the start or the end. */
  fromPosition?: bigint | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: delivery starts after this position. Defaults to the start of `$all`. */
  fromPosition?: bigint | 'start' | 'end';
  filter?: AllFilter;
}

/** What a subscription delivers: events in commit order, and once, the signal that it caught up. */
export type SubscriptionMessage =
  | { kind: 'event'; event: RecordedEvent }
  | { kind: 'caughtUp'; position: bigint | null };

/**
 * A catch-up subscription to `$all`. Iterate it to pull messages (pulling is the back-pressure:
 * nothing is read ahead of a slow consumer beyond one page); `close()` ends the iteration.
 */
export interface AllSubscription extends AsyncIterable<SubscriptionMessage> {
  close(): Promise<void>;
}

export interface EventStore {
  /** Which adapter this is, for health reports and logs. */
  readonly kind: 'sqlite' | 'kurrentdb';

  appendToStream(stream: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>;

  /**
   * Appends to several streams atomically: every expected state is checked, then all events are
   * written or none (SQLite: one transaction; KurrentDB 25.1+: multiStreamAppend). A conflict on
   * any stream raises WrongExpectedVersionError for that stream and writes nothing. Each stream
   * appears once. Used where one fact has two faces kept apart on purpose (the émargement in the
   * voter's stream, the anonymous ballot in the ballot box).
   */
  appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult>;

  /** Reads one stream. Throws StreamNotFoundError if the stream has no event. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /** Reads the global log, excluding system events. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;

  /** The position of the last event in `$all`, or null when the log is empty. */
  headPosition(): Promise<bigint | null>;

  close(): Promise<void>;
}

/** Collects a stream read into an array; for small streams (aggregates), not for `$all`. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
