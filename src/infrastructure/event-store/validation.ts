import {
  AppendTooLargeError,
  InvalidArgumentError,
  InvalidEventError,
  InvalidEventTypeError,
  InvalidStreamNameError,
} from './event-store.errors.js';
import type { AllFilter, Direction, EventToAppend, ExpectedStreamState, ReadAllOptions, ReadStreamOptions, StreamAppend, SubscribeToAllOptions } from './event-store.port.js';

/** KurrentDB's default maximum append size (its `MaxAppendSize` setting). */
export const MAX_APPEND_BYTES = 1024 * 1024;
const MAX_STREAM_NAME_LENGTH = 200;
const MAX_EVENT_TYPE_LENGTH = 100;

// `category-id`: the category is what KurrentDB's `$by_category` takes (the text before the first
// hyphen), so it must not contain a hyphen; the id may (UUIDs do).
const STREAM_NAME = /^([a-z][A-Za-z0-9]*)-([A-Za-z0-9][A-Za-z0-9_.:@-]*)$/;
// Past-tense PascalCase facts: `BallotCast`, `RegistrationApproved`.
const EVENT_TYPE = /^[A-Z][A-Za-z0-9]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string') throw new InvalidStreamNameError(String(stream), 'must be a string');
  if (stream.length === 0) throw new InvalidStreamNameError(stream, 'must not be empty');
  if (stream.length > MAX_STREAM_NAME_LENGTH)
    throw new InvalidStreamNameError(stream, `longer than ${MAX_STREAM_NAME_LENGTH} characters`);
  if (stream.startsWith('$')) throw new InvalidStreamNameError(stream, 'names starting with "$" are reserved for the system');
  if (!STREAM_NAME.test(stream))
    throw new InvalidStreamNameError(
      stream,
      'expected "category-id": a category of letters and digits starting with a lower-case letter, a hyphen, then an id of letters, digits and _ . : @ -',
    );
}

export function categoryOf(stream: string): string {
  return stream.slice(0, stream.indexOf('-'));
}

export function validateEventType(type: unknown): asserts type is string {
  if (typeof type !== 'string') throw new InvalidEventTypeError(String(type), 'must be a string');
  if (type.length === 0 || type.length > MAX_EVENT_TYPE_LENGTH)
    throw new InvalidEventTypeError(type, `must have 1 to ${MAX_EVENT_TYPE_LENGTH} characters`);
  if (!EVENT_TYPE.test(type))
    throw new InvalidEventTypeError(type, 'expected a past-tense PascalCase name of letters and digits, like "BallotCast"');
}

export function validateExpectedState(state: unknown): asserts state is ExpectedStreamState {
  if (state === 'any' || state === 'no_stream' || state === 'stream_exists') return;
  if (typeof state === 'bigint' && state >= 0n) return;
  throw new InvalidArgumentError(
    `expectedState must be "any", "no_stream", "stream_exists" or a revision >= 0n, got ${typeof state === 'bigint' ? `${state}n` : JSON.stringify(state)}`,
  );
}

export function validateMaxCount(maxCount: unknown): void {
  if (maxCount === undefined) return;
  if (typeof maxCount !== 'number' || !Number.isSafeInteger(maxCount) || maxCount < 1)
    throw new InvalidArgumentError(`maxCount must be a positive integer, got ${String(maxCount)}`);
}

export function validateFilter(filter: AllFilter | undefined): void {
  if (filter === undefined) return;
  if (filter.kind !== 'eventType' && filter.kind !== 'streamName')
    throw new InvalidArgumentError(`filter.kind must be "eventType" or "streamName"`);
  if (!Array.isArray(filter.prefixes) || filter.prefixes.length === 0 || filter.prefixes.some((p) => typeof p !== 'string' || p === ''))
    throw new InvalidArgumentError('filter.prefixes must be a non-empty list of non-empty strings');
}

export function matchesFilter(filter: AllFilter | undefined, stream: string, type: string): boolean {
  if (!filter) return true;
  const subject = filter.kind === 'eventType' ? type : stream;
  return filter.prefixes.some((prefix) => subject.startsWith(prefix));
}

/** The validated, serialised form of an event, ready to store. */
export interface SerialisedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/**
 * Checks every event of an append before anything is written, and serialises it once.
 * Throws a typed error naming the first offending event.
 */
export function validateAndSerialise(stream: string, events: readonly EventToAppend[], maxAppendBytes = MAX_APPEND_BYTES): SerialisedEvent[] {
  validateStreamName(stream);
  if (!Array.isArray(events)) throw new InvalidArgumentError('events must be an array');
  const seen = new Set<string>();
  const serialised: SerialisedEvent[] = new Array(events.length);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: count exact bytes only when that bound is over.
  let upperBound = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (event === null || typeof event !== 'object') throw new InvalidEventError(`event #${index} is not an object`);
    if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new InvalidEventError(`event #${index} has an id that is not a UUID: ${JSON.stringify(event.id)}`);
    const id = event.id.toLowerCase();
    if (seen.has(id)) throw new InvalidEventError(`event #${index} repeats the id ${id} of an earlier event in the same append`);
    seen.add(id);
    validateEventType(event.type);
    const data = toJson(event.data, index, 'data');
    const metadata = serialiseMetadata(event.metadata, index);
    upperBound += 3 * (data.length + metadata.length + event.type.length);
    serialised[index] = { id, type: event.type, data, metadata };
  }
  if (upperBound > maxAppendBytes) {
    const size = serialised.reduce((sum, e) => sum + Buffer.byteLength(e.data) + Buffer.byteLength(e.metadata) + Buffer.byteLength(e.type), 0);
    if (size > maxAppendBytes) throw new AppendTooLargeError(stream, size, maxAppendBytes);
  }
  return serialised;
}

/** Validates a multi-stream append: each stream once, each with events, the whole within the size limit. */
export function validateMultiAppend(appends: readonly StreamAppend[], maxAppendBytes = MAX_APPEND_BYTES): SerialisedEvent[][] {
  if (!Array.isArray(appends) || appends.length === 0) throw new InvalidArgumentError('a multi-stream append needs at least one stream');
  const streams = new Set<string>();
  const ids = new Set<string>();
  let size = 0;
  const serialised = appends.map((append, index) => {
    if (append === null || typeof append !== 'object') throw new InvalidArgumentError(`append #${index} is not an object`);
    if (streams.has(append.stream)) throw new InvalidArgumentError(`stream "${append.stream}" appears twice in one multi-stream append`);
    streams.add(append.stream);
    validateExpectedState(append.expectedState);
    const events = validateAndSerialise(append.stream, append.events, maxAppendBytes);
    if (events.length === 0) throw new InvalidArgumentError(`append #${index} to "${append.stream}" has no event`);
    for (const event of events) {
      if (ids.has(event.id)) throw new InvalidEventError(`event id ${event.id} appears in two streams of one multi-stream append`);
      ids.add(event.id);
      size += event.data.length + event.metadata.length + event.type.length;
    }
    return events;
  });
  if (size > maxAppendBytes) {
    const bytes = serialised.flat().reduce((sum, e) => sum + Buffer.byteLength(e.data) + Buffer.byteLength(e.metadata) + Buffer.byteLength(e.type), 0);
    if (bytes > maxAppendBytes) throw new AppendTooLargeError(appends.map((a) => a.stream).join(', '), bytes, maxAppendBytes);
  }
  return serialised;
}

function serialiseMetadata(metadata: EventToAppend['metadata'], index: number): string {
  if (metadata === null || typeof metadata !== 'object') throw new InvalidEventError(`event #${index} has no metadata`);
  if (typeof metadata.correlationId !== 'string' || metadata.correlationId === '')
    throw new InvalidEventError(`event #${index} metadata needs a correlationId`);
  if (!Number.isSafeInteger(metadata.schemaVersion) || metadata.schemaVersion < 1)
    throw new InvalidEventError(`event #${index} metadata needs a schemaVersion >= 1`);
  if (typeof metadata.occurredAt !== 'string' || Number.isNaN(Date.parse(metadata.occurredAt)))
    throw new InvalidEventError(`event #${index} metadata needs occurredAt as an ISO 8601 date`);
  return toJson(metadata, index, 'metadata');
}

/**
 * JSON.stringify, refusing what would not survive a round trip (undefined, functions, bigints,
 * NaN, class instances). The check that allocates nothing runs first; the one that names the
 * offending field runs only when something is wrong.
 */
function toJson(value: unknown, index: number, part: 'data' | 'metadata'): string {
  if (!isPlainJson(value, 0)) assertJson(value, `event #${index} ${part}`, 0);
  return JSON.stringify(value);
}

function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth > 64 || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

function assertJson(value: unknown, what: string, depth: number): void {
  if (depth > 64) throw new InvalidEventError(`${what} is nested more than 64 levels deep`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidEventError(`${what} holds a number that JSON cannot represent (${value})`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJson(item, `${what}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    for (const [key, item] of Object.entries(value)) assertJson(item, `${what}.${key}`, depth + 1);
    return;
  }
  throw new InvalidEventError(`${what} is not JSON (found ${typeof value === 'object' ? (value as object).constructor?.name : typeof value})`);
}

function checkDirection(direction: unknown): Direction {
  const value = direction ?? 'forwards';
  if (value !== 'forwards' && value !== 'backwards') throw new InvalidArgumentError('direction must be "forwards" or "backwards"');
  return value;
}

function checkPosition(position: unknown): bigint | 'start' | 'end' {
  if (position === 'start' || position === 'end' || (typeof position === 'bigint' && position >= 0n)) return position;
  throw new InvalidArgumentError('fromPosition must be "start", "end" or a position >= 0n');
}

/** Validates readStream's arguments (same errors on every adapter) and fills in the defaults. */
export function checkReadStreamOptions(stream: string, options: ReadStreamOptions): { direction: Direction; from: bigint | 'start' | 'end' } {
  validateStreamName(stream);
  validateMaxCount(options.maxCount);
  const direction = checkDirection(options.direction);
  const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
  if (typeof from === 'bigint' ? from < 0n : from !== 'start' && from !== 'end')
    throw new InvalidArgumentError('fromRevision must be "start", "end" or a revision >= 0n');
  return { direction, from };
}

/** Validates readAll's arguments and fills in the defaults. */
export function checkReadAllOptions(options: ReadAllOptions): { direction: Direction; from: bigint | 'start' | 'end' } {
  validateMaxCount(options.maxCount);
  validateFilter(options.filter);
  const direction = checkDirection(options.direction);
  return { direction, from: checkPosition(options.fromPosition ?? (direction === 'forwards' ? 'start' : 'end')) };
}

/** Validates subscribeToAll's arguments and fills in the defaults. */
export function checkSubscribeOptions(options: SubscribeToAllOptions): { from: bigint | 'start' | 'end' } {
  validateFilter(options.filter);
  return { from: checkPosition(options.fromPosition ?? 'start') };
}
