/**
 * The Belenios public data (Belenios 2.0 specification, section 4.4): the `<uuid>.bel` archive.
 *
 * An old-style tar archive, append-only, written exactly as belenios-tool 2.0 writes it (its
 * `election verify` rebuilds the archive from its members and refuses it unless the rebuilt
 * bytes are identical):
 * - first member `BELENIOS`: `{"version":1,"timestamp":"<unix seconds>"}` (the timestamp is a
 *   JSON string of decimal digits);
 * - then `<sha256hex>.data.json` payloads and `<sha256hex>.event.json` events, each named by the
 *   SHA-256 (lowercase hex) of its exact bytes; no trailing newline in any member;
 * - events are `{"parent":H,"height":n,"type":T,"payload":H}` in that key order, `parent`
 *   absent on the first event (height 0), `payload` absent when there is none (EndBallots…);
 * - every tar header: mode 0644, uid/gid 0, mtime = the header timestamp (for every member, even
 *   ones appended later), typeflag '0', no ustar magic (see ./tar.ts);
 * - no end-of-archive marker: belenios-tool never writes one and refuses a .bel file with one.
 */
import type { Sha256 } from '../trustee-key.js';
import { concatBytes, TAR_MAX_OCTAL_11, TarError, tarEndOfArchive, tarFile, readTar } from './tar.js';

export const BELENIOS_EVENT_TYPES = ['Setup', 'Ballot', 'EndBallots', 'EncryptedTally', 'Shuffle', 'EndShuffles', 'PartialDecryption', 'Result'] as const;
export type BeleniosEventType = (typeof BELENIOS_EVENT_TYPES)[number];

export const ARCHIVE_HEADER_NAME = 'BELENIOS';
export const ARCHIVE_VERSION = 1;

export type ArchiveErrorCode =
  /** Not a tar archive we can read (bad checksum, truncated, not a regular file…); `details.tarCode` says which. */
  | 'NotTar'
  /** The first member is not BELENIOS, or its JSON is not {"version":1,"timestamp":…}. */
  | 'BadHeader'
  /** A member name is not `<sha256hex>.data.json` or `<sha256hex>.event.json`. */
  | 'BadName'
  /** A member is not valid UTF-8. */
  | 'BadEncoding'
  /** A member's name is not the SHA-256 of its content. */
  | 'BadHash'
  /** An event is not a JSON event structure of a known type. */
  | 'BadEvent'
  /** An event's parent is not the previous event (or the first event has one). */
  | 'BrokenChain'
  /** An event's height is not the previous one plus one (0 for the first). */
  | 'BadHeight'
  /** An event's payload is not a data member earlier in the archive. */
  | 'MissingPayload'
  /** The writer was given a payload that is not one JSON line. */
  | 'BadData'
  /** The writer was given a timestamp that is not whole seconds in the tar range. */
  | 'BadTimestamp'
  /** The writer was used out of order (not started, started twice, used after finish). */
  | 'WriterState';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export interface ArchiveHeader {
  readonly version: 1;
  /** Unix time in seconds, decimal digits. */
  readonly timestamp: string;
}

export interface BeleniosEvent {
  readonly parent?: string;
  readonly height: number;
  readonly type: BeleniosEventType;
  readonly payload?: string;
}

/** A piece of archive to append: a member (header, content, padding) and the hash that names it. */
export interface ArchiveChunk {
  readonly hash: string;
  readonly bytes: Uint8Array;
}

export interface ArchiveEventChunk extends ArchiveChunk {
  readonly event: BeleniosEvent;
}

/** What a writer needs to carry on appending to an archive (e.g. after a server restart). */
export interface ArchiveWriterState {
  readonly timestamp: string;
  /** The last event written, absent before the first. */
  readonly last?: { readonly hash: string; readonly height: number };
  /** Hashes of the data members already in the archive (an event may only refer to these). */
  readonly dataHashes: readonly string[];
}

const encoder = new TextEncoder();
const HASH = /^[0-9a-f]{64}$/;
const MEMBER_NAME = /^([0-9a-f]{64})\.(data|event)\.json$/;

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The hash that names a member: SHA-256 of its UTF-8 bytes, lowercase hex. */
export async function archiveHash(text: string, sha256: Sha256): Promise<string> {
  return toHex(await sha256(text));
}

/** `{"version":1,"timestamp":"…"}`, as belenios-tool writes it. */
export function archiveHeaderText(timestamp: string): string {
  return JSON.stringify({ version: ARCHIVE_VERSION, timestamp });
}

/** An event's JSON, keys in belenios-tool's order: parent, height, type, payload. */
export function archiveEventText(event: BeleniosEvent): string {
  const json: Record<string, unknown> = {};
  if (event.parent !== undefined) json.parent = event.parent;
  json.height = event.height;
  json.type = event.type;
  if (event.payload !== undefined) json.payload = event.payload;
  return JSON.stringify(json);
}

/** Whole seconds since the epoch as canonical decimal digits, within what a tar mtime holds. */
export function normalizeArchiveTimestamp(timestamp: string | number): string {
  const text = typeof timestamp === 'number' ? (Number.isSafeInteger(timestamp) ? String(timestamp) : '') : timestamp;
  if (!/^(0|[1-9]\d*)$/.test(text) || Number(text) > TAR_MAX_OCTAL_11) {
    throw new ArchiveError('BadTimestamp', `the archive timestamp must be whole seconds since the epoch, from 0 to ${TAR_MAX_OCTAL_11} (${JSON.stringify(timestamp)} given)`, { timestamp });
  }
  return text;
}

function isEventType(value: unknown): value is BeleniosEventType {
  return typeof value === 'string' && (BELENIOS_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Writes an archive incrementally: each call returns the bytes to append, so the archive can be
 * streamed (or appended to a file) as events happen; the concatenation of the chunks, in call
 * order, is a valid archive at every step. Calls are serialized: chunks resolve in call order even
 * if the caller does not await each one before the next.
 */
export class BeleniosArchiveWriter {
  private timestamp: string | undefined;
  private last: { hash: string; height: number } | undefined;
  private readonly dataHashes = new Set<string>();
  private finished = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly sha256: Sha256) {}

  /** A writer that carries on an existing archive (the state from {@link state} or {@link readArchive}). */
  static resume(sha256: Sha256, state: ArchiveWriterState): BeleniosArchiveWriter {
    const writer = new BeleniosArchiveWriter(sha256);
    writer.timestamp = normalizeArchiveTimestamp(state.timestamp);
    if (state.last) {
      if (!HASH.test(state.last.hash) || !Number.isSafeInteger(state.last.height) || state.last.height < 0) {
        throw new ArchiveError('WriterState', 'the last event must be a SHA-256 hex hash and a height ≥ 0', { last: state.last });
      }
      writer.last = { ...state.last };
    }
    for (const hash of state.dataHashes) writer.dataHashes.add(hash);
    return writer;
  }

  get state(): ArchiveWriterState {
    if (this.timestamp === undefined) throw new ArchiveError('WriterState', 'the archive has not been started');
    return { timestamp: this.timestamp, ...(this.last ? { last: { ...this.last } } : {}), dataHashes: [...this.dataHashes] };
  }

  /** The BELENIOS header member. `timestamp`: the start of the election, in seconds (it is also every member's mtime). */
  start(timestamp: string | number): Uint8Array {
    if (this.timestamp !== undefined) throw new ArchiveError('WriterState', 'the archive has already been started');
    const text = normalizeArchiveTimestamp(timestamp);
    this.timestamp = text;
    return this.member(ARCHIVE_HEADER_NAME, archiveHeaderText(text));
  }

  /**
   * A `<hash>.data.json` member. `text` is the payload's exact JSON, on one line, without a
   * trailing newline (as belenios-tool stores each line it is given). The same text added twice
   * is written twice, as belenios-tool does.
   */
  addData(text: string): Promise<ArchiveChunk> {
    return this.enqueue(async () => {
      this.checkWritable();
      if (text.length === 0 || /[\n\r]/.test(text)) {
        throw new ArchiveError('BadData', 'a payload must be one non-empty line of JSON, without a newline (belenios-tool stores payloads as lines)');
      }
      try {
        JSON.parse(text);
      } catch {
        throw new ArchiveError('BadData', 'a payload must be JSON');
      }
      const hash = await archiveHash(text, this.sha256);
      this.dataHashes.add(hash);
      return { hash, bytes: this.member(`${hash}.data.json`, text) };
    });
  }

  /** A `<hash>.event.json` member, chained to the previous event; its payload must have been added before. */
  addEvent(event: { readonly type: BeleniosEventType; readonly payloadHash?: string }): Promise<ArchiveEventChunk> {
    return this.enqueue(async () => {
      this.checkWritable();
      if (!isEventType(event.type)) throw new ArchiveError('BadEvent', `unknown event type ${JSON.stringify(event.type)}`, { type: event.type });
      if (event.payloadHash !== undefined && !this.dataHashes.has(event.payloadHash)) {
        throw new ArchiveError('MissingPayload', `the payload ${event.payloadHash} of this ${event.type} event has not been added to the archive`, { payload: event.payloadHash });
      }
      const full: BeleniosEvent = {
        ...(this.last ? { parent: this.last.hash } : {}),
        height: this.last ? this.last.height + 1 : 0,
        type: event.type,
        ...(event.payloadHash !== undefined ? { payload: event.payloadHash } : {}),
      };
      const text = archiveEventText(full);
      const hash = await archiveHash(text, this.sha256);
      this.last = { hash, height: full.height };
      return { hash, event: full, bytes: this.member(`${hash}.event.json`, text) };
    });
  }

  /**
   * Closes the writer. Returns nothing to append by default: a .bel file has no end-of-archive
   * marker (belenios-tool refuses one). `{ endMarker: true }` returns the two zero blocks that
   * standard tar tools expect, for an export that is not meant for belenios-tool.
   */
  finish(options: { endMarker?: boolean } = {}): Promise<Uint8Array> {
    return this.enqueue(async () => {
      this.checkWritable();
      this.finished = true;
      return options.endMarker ? tarEndOfArchive() : new Uint8Array(0);
    });
  }

  private checkWritable(): void {
    if (this.timestamp === undefined) throw new ArchiveError('WriterState', 'start the archive first');
    if (this.finished) throw new ArchiveError('WriterState', 'the archive is finished');
  }

  private member(name: string, text: string): Uint8Array {
    return tarFile({ name, content: encoder.encode(text), mtime: Number(this.timestamp), mode: 0o644 });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

export type ArchiveEntry = { readonly kind: 'data'; readonly text: string } | { readonly kind: 'event'; readonly type: BeleniosEventType; readonly payloadHash?: string };

/** A whole archive in one go (no end-of-archive marker, as belenios-tool writes it), with the hash of each entry. */
export async function writeArchive(timestamp: string | number, entries: readonly ArchiveEntry[], sha256: Sha256): Promise<{ bytes: Uint8Array; hashes: string[] }> {
  const writer = new BeleniosArchiveWriter(sha256);
  const chunks = [writer.start(timestamp)];
  const hashes: string[] = [];
  for (const entry of entries) {
    const chunk = entry.kind === 'data' ? await writer.addData(entry.text) : await writer.addEvent(entry.payloadHash === undefined ? { type: entry.type } : { type: entry.type, payloadHash: entry.payloadHash });
    chunks.push(chunk.bytes);
    hashes.push(chunk.hash);
  }
  chunks.push(await writer.finish());
  return { bytes: concatBytes(chunks), hashes };
}

export interface ArchiveMember {
  readonly kind: 'data' | 'event';
  readonly name: string;
  readonly hash: string;
  /** The member's exact content. */
  readonly text: string;
  /** Offset of its tar header in the archive. */
  readonly offset: number;
}

export interface ArchiveEventRecord {
  readonly hash: string;
  readonly event: BeleniosEvent;
  /** The event's exact JSON text. */
  readonly text: string;
  /** The payload's exact text, when the event has a payload. */
  readonly payloadText?: string;
  /** Index of the event's member in `members`. */
  readonly memberIndex: number;
}

export interface ReadArchive {
  readonly header: ArchiveHeader;
  readonly headerText: string;
  /** Data and event members in archive order (the BELENIOS header excluded). */
  readonly members: readonly ArchiveMember[];
  readonly events: readonly ArchiveEventRecord[];
  /** Data texts by hash. */
  readonly data: ReadonlyMap<string, string>;
  /** To carry on writing: `BeleniosArchiveWriter.resume(sha256, archive.writerState)`. */
  readonly writerState: ArchiveWriterState;
  /**
   * The bytes are exactly what {@link BeleniosArchiveWriter} (and belenios-tool) would write for
   * these members: canonical tar headers with mtime = timestamp, header JSON as written, no end
   * marker. belenios-tool's `election verify` refuses an archive that is not canonical.
   */
  readonly canonical: boolean;
  /** The archive ends with a tar end-of-archive marker. */
  readonly endMarker: boolean;
}

/**
 * Reads and checks an archive: the tar structure, the BELENIOS header, that every member is named
 * by the SHA-256 of its content, the event chain (parents and heights), and that each event's
 * payload is a data member earlier in the archive. Throws an {@link ArchiveError} on the first
 * problem found.
 */
export async function readArchive(bytes: Uint8Array, sha256: Sha256): Promise<ReadArchive> {
  let tar;
  try {
    tar = readTar(bytes);
  } catch (error) {
    if (error instanceof TarError) throw new ArchiveError('NotTar', `not a readable tar archive: ${error.message}`, { tarCode: error.code, offset: error.offset });
    throw error;
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (content: Uint8Array, name: string) => {
    try {
      return utf8.decode(content);
    } catch {
      throw new ArchiveError('BadEncoding', `the member ${name} is not UTF-8`, { name });
    }
  };

  const [first, ...rest] = tar.members;
  if (!first) throw new ArchiveError('NotTar', 'the archive has no member');
  if (first.name !== ARCHIVE_HEADER_NAME) throw new ArchiveError('BadHeader', `the first member must be ${ARCHIVE_HEADER_NAME}, not ${JSON.stringify(first.name)}`, { name: first.name });
  const headerText = decode(first.content, first.name);
  const header = parseHeader(headerText);
  let canonical = !tar.endMarker && headerText === archiveHeaderText(header.timestamp) && tar.members.every((m) => m.canonical && m.mode === 0o644 && m.mtime === Number(header.timestamp));

  const members: ArchiveMember[] = [];
  const events: ArchiveEventRecord[] = [];
  const data = new Map<string, string>();
  let last: { hash: string; height: number } | undefined;
  for (const member of rest) {
    const match = MEMBER_NAME.exec(member.name);
    if (!match) throw new ArchiveError('BadName', `the member ${JSON.stringify(member.name)} is not named <sha256>.data.json or <sha256>.event.json`, { name: member.name, offset: member.offset });
    const [, hash, kind] = match as unknown as [string, string, 'data' | 'event'];
    const text = decode(member.content, member.name);
    const actual = await archiveHash(text, sha256);
    if (actual !== hash) throw new ArchiveError('BadHash', `the member ${member.name} has SHA-256 ${actual}, not the hash in its name`, { name: member.name, expected: hash, actual, offset: member.offset });
    members.push({ kind, name: member.name, hash, text, offset: member.offset });
    if (kind === 'data') {
      data.set(hash, text);
      continue;
    }
    const event = parseEvent(text, member.name);
    if (!last) {
      if (event.parent !== undefined) throw new ArchiveError('BrokenChain', `the first event ${member.name} has a parent (${event.parent})`, { name: member.name, parent: event.parent });
      if (event.height !== 0) throw new ArchiveError('BadHeight', `the first event ${member.name} has height ${event.height}, not 0`, { name: member.name, height: event.height });
    } else {
      if (event.parent !== last.hash) {
        throw new ArchiveError('BrokenChain', `the event ${member.name} has parent ${event.parent ?? '(none)'}, but the previous event is ${last.hash}`, { name: member.name, parent: event.parent, previous: last.hash });
      }
      if (event.height !== last.height + 1) throw new ArchiveError('BadHeight', `the event ${member.name} has height ${event.height}, not ${last.height + 1}`, { name: member.name, height: event.height });
    }
    let payloadText: string | undefined;
    if (event.payload !== undefined) {
      payloadText = data.get(event.payload);
      if (payloadText === undefined) throw new ArchiveError('MissingPayload', `the payload ${event.payload} of the ${event.type} event ${member.name} is not a data member before it`, { name: member.name, payload: event.payload });
    }
    if (text !== archiveEventText(event)) canonical = false;
    events.push({ hash, event, text, ...(payloadText !== undefined ? { payloadText } : {}), memberIndex: members.length - 1 });
    last = { hash, height: event.height };
  }
  const writerState: ArchiveWriterState = { timestamp: header.timestamp, ...(last ? { last } : {}), dataHashes: [...data.keys()] };
  return { header, headerText, members, events, data, writerState, canonical, endMarker: tar.endMarker };
}

function parseHeader(text: string): ArchiveHeader {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ArchiveError('BadHeader', `the ${ARCHIVE_HEADER_NAME} member is not JSON`);
  }
  const value = json as { version?: unknown; timestamp?: unknown };
  if (typeof json !== 'object' || json === null || Array.isArray(json) || value.version !== ARCHIVE_VERSION) {
    throw new ArchiveError('BadHeader', `the ${ARCHIVE_HEADER_NAME} member must be {"version":1,"timestamp":…}`, { text });
  }
  // belenios-tool writes the timestamp as a string; the specification's grammar says an integer: accept both.
  const timestamp = typeof value.timestamp === 'number' ? String(value.timestamp) : value.timestamp;
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) throw new ArchiveError('BadHeader', `the ${ARCHIVE_HEADER_NAME} timestamp must be whole seconds`, { timestamp: value.timestamp });
  return { version: ARCHIVE_VERSION, timestamp };
}

function parseEvent(text: string, name: string): BeleniosEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ArchiveError('BadEvent', `the event ${name} is not JSON`, { name });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ArchiveError('BadEvent', `the event ${name} is not a JSON object`, { name });
  const value = json as Record<string, unknown>;
  const unknownKeys = Object.keys(value).filter((key) => !['parent', 'height', 'type', 'payload'].includes(key));
  if (unknownKeys.length > 0) throw new ArchiveError('BadEvent', `the event ${name} has unknown fields: ${unknownKeys.join(', ')}`, { name, fields: unknownKeys });
  const { parent, height, type, payload } = value;
  if (!isEventType(type)) throw new ArchiveError('BadEvent', `the event ${name} has an unknown type ${JSON.stringify(type)}`, { name, type });
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0) throw new ArchiveError('BadEvent', `the event ${name} has no valid height`, { name, height });
  if (parent !== undefined && (typeof parent !== 'string' || !HASH.test(parent))) throw new ArchiveError('BadEvent', `the event ${name} has a parent that is not a SHA-256 hex hash`, { name, parent });
  if (payload !== undefined && (typeof payload !== 'string' || !HASH.test(payload))) throw new ArchiveError('BadEvent', `the event ${name} has a payload that is not a SHA-256 hex hash`, { name, payload });
  return { ...(parent !== undefined ? { parent } : {}), height, type, ...(payload !== undefined ? { payload } : {}) };
}
