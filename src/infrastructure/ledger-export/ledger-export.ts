import { isSealedPersonalData } from '../../domain/shared/personal-data.js';
import type { EventStore, JsonValue, RecordedEvent } from '../event-store/event-store.port.js';
import { writeAtomically } from '../files/write-atomically.js';

/**
 * The ledger as NDJSON: the whole `$all` stream, one JSON object per line, exactly as the event
 * store returns each event (see docs/public-record.md, the normative description of the format):
 *
 *   {"format":"urne-ledger","version":1,"from":null,"exportedAt":"…","headPosition":"1234","redacted":[]}
 *   {"position":"1","stream":"election-paris-2013","revision":"0","id":"…","type":"ElectionDeclared","data":{…},"metadata":{…},"recordedAt":"…"}
 *   …
 *   {"end":true,"position":"1234","count":1234}
 *
 * The export stops at the head read when it starts (`headPosition`), so it is a consistent
 * snapshot however long it takes. It is streamed: one page of the store is read at a time, and the
 * next only once the sink accepted the previous lines (back-pressure), whatever the ledger's size.
 */

export const LEDGER_FORMAT = 'urne-ledger';
export const LEDGER_FORMAT_VERSION = 1;

/**
 * What may be left out of an export:
 * - `sealed`: every sealed personal data value (`{"sealed":"v1","subject","iv","data"}`, at any
 *   depth of `data`) becomes `{"sealed":"redacted","subject":…}`;
 * - `indexes`: every blind index (a string field of `data` whose name ends in `Index`, at any
 *   depth: emailIndex, phoneIndex, paymentIndex, networkIndex, identityIndex) becomes "redacted".
 */
export const REDACTIONS = ['sealed', 'indexes'] as const;
export type Redaction = (typeof REDACTIONS)[number];

export const REDACTED = 'redacted';

export interface LedgerExportProgress {
  /** Events written so far. */
  count: number;
  /** The position of the last event written (null before the first). */
  position: bigint | null;
  /** Where the export started (exclusive; null: the start of the log) and where it stops. */
  from: bigint | null;
  headPosition: bigint | null;
}

export interface LedgerExportOptions {
  /** Exclusive, as readAll: the export continues after this position. Null or absent: from the start. */
  from?: bigint | null;
  redact?: readonly Redaction[];
  /** The export's time stamp (header `exportedAt`); default now. */
  now?: () => Date;
  /** Called after each flushed batch of lines, and once at the end. */
  onProgress?: (progress: LedgerExportProgress) => void;
  /** Called once the header is known, before anything is written (the HTTP route sets its headers). */
  onStart?: (header: LedgerHeader) => void;
  /** Characters buffered before the sink is called (default 64 KiB). */
  chunkSize?: number;
}

export interface LedgerHeader {
  format: typeof LEDGER_FORMAT;
  version: typeof LEDGER_FORMAT_VERSION;
  from: string | null;
  exportedAt: string;
  headPosition: string | null;
  redacted: Redaction[];
}

export interface LedgerTrailer {
  end: true;
  /** The position of the last event of the export: pass it as `from` to continue later. `from` when the export holds no event. */
  position: string | null;
  count: number;
}

export interface LedgerExportSummary {
  from: string | null;
  headPosition: string | null;
  /** As in the trailer. */
  position: string | null;
  count: number;
  bytes: number;
  redacted: Redaction[];
}

/** Where lines go. Return a promise to hold the export until the consumer is ready (back-pressure). */
export type LedgerSink = (chunk: string) => void | Promise<void>;

export class LedgerExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerExportError';
  }
}

/** Parses a position as given on a command line or in a query string: a decimal 64-bit integer. */
export function parsePosition(value: string): bigint {
  if (!/^(0|[1-9]\d{0,19})$/.test(value)) throw new LedgerExportError(`not a position: "${value}" (expected a decimal integer, e.g. the "position" of a line of an earlier export)`);
  const position = BigInt(value);
  if (position > 0xffff_ffff_ffff_ffffn) throw new LedgerExportError(`not a position: "${value}" (above 2^64 - 1)`);
  return position;
}

/** Parses a comma-separated list of redactions ("sealed", "indexes", "sealed,indexes"; "" or "none": none). */
export function parseRedactions(value: string): Redaction[] {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'none');
  for (const part of parts) {
    if (!(REDACTIONS as readonly string[]).includes(part)) throw new LedgerExportError(`cannot redact "${part}": expected ${REDACTIONS.join(', ')} or a comma-separated list of them`);
  }
  return REDACTIONS.filter((redaction) => parts.includes(redaction));
}

/** One event as its line of the export (without the newline). Key order is part of the format. */
export function eventLine(event: RecordedEvent, redact: readonly Redaction[] = []): string {
  const data = redact.length === 0 ? event.data : redactValue(event.data, redact.includes('sealed'), redact.includes('indexes'));
  return (
    `{"position":"${event.position}","stream":${JSON.stringify(event.stream)},"revision":"${event.revision}","id":${JSON.stringify(event.id)},` +
    `"type":${JSON.stringify(event.type)},"data":${JSON.stringify(data)},"metadata":${JSON.stringify(event.metadata)},"recordedAt":"${event.recordedAt.toISOString()}"}`
  );
}

function redactValue(value: JsonValue, sealed: boolean, indexes: boolean): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, sealed, indexes));
  if (sealed && isSealedPersonalData(value)) return { sealed: REDACTED, subject: value.subject };
  // No prototype: a key named __proto__ stays a plain key, as JSON.parse made it.
  const out = Object.create(null) as { [key: string]: JsonValue };
  for (const [key, item] of Object.entries(value)) {
    out[key] = indexes && /Index$/.test(key) && typeof item === 'string' ? REDACTED : redactValue(item, sealed, indexes);
  }
  return out;
}

/**
 * Streams the ledger from `options.from` (exclusive) up to the head read at the start into `sink`,
 * header first and trailer last. Resolves to a summary once the sink accepted the last chunk.
 */
export async function exportLedger(store: EventStore, sink: LedgerSink, options: LedgerExportOptions = {}): Promise<LedgerExportSummary> {
  const from = options.from ?? null;
  const redact = [...new Set(options.redact ?? [])].sort((a, b) => REDACTIONS.indexOf(a) - REDACTIONS.indexOf(b));
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const headPosition = await store.headPosition();
  const header: LedgerHeader = {
    format: LEDGER_FORMAT,
    version: LEDGER_FORMAT_VERSION,
    from: from === null ? null : from.toString(),
    exportedAt: (options.now?.() ?? new Date()).toISOString(),
    headPosition: headPosition === null ? null : headPosition.toString(),
    redacted: redact,
  };
  options.onStart?.(header);
  let buffer = `${JSON.stringify(header)}\n`;
  let bytes = 0;
  let count = 0;
  let last: bigint | null = null;
  const progress = (): LedgerExportProgress => ({ count, position: last, from, headPosition });
  const flush = async () => {
    if (buffer.length === 0) return;
    const chunk = buffer;
    buffer = '';
    bytes += Buffer.byteLength(chunk);
    await sink(chunk);
  };
  if (headPosition !== null && (from === null || from < headPosition)) {
    for await (const event of store.readAll(from === null ? {} : { fromPosition: from })) {
      // Events appended after the export started belong to the next export.
      if (event.position > headPosition) break;
      buffer += `${eventLine(event, redact)}\n`;
      count++;
      last = event.position;
      if (buffer.length >= chunkSize) {
        await flush();
        options.onProgress?.(progress());
      }
    }
  }
  const end = last ?? from;
  const trailer: LedgerTrailer = { end: true, position: end === null ? null : end.toString(), count };
  buffer += `${JSON.stringify(trailer)}\n`;
  await flush();
  options.onProgress?.(progress());
  return { from: header.from, headPosition: header.headPosition, position: trailer.position, count, bytes, redacted: redact };
}

/** exportLedger into a file: written to `<path>.partial`, synced, then renamed (never a half file under the final name). */
export async function exportLedgerToFile(store: EventStore, path: string, options: LedgerExportOptions = {}): Promise<LedgerExportSummary> {
  return writeAtomically(path, 0o600, (file) =>
    exportLedger(
      store,
      async (chunk) => {
        await file.write(chunk, null, 'utf8');
      },
      { chunkSize: 1 << 20, ...options },
    ),
  );
}

/** What a reader of an export learns by checking its framing (used by the tests and by `urne` readers). */
export interface LedgerFileCheck {
  complete: boolean;
  /** Why it is not complete (a missing trailer, a count that does not match, a broken line…). */
  problem: string | null;
  header: LedgerHeader | null;
  events: number;
  /** The position of the last complete event line: where to resume a truncated download. */
  lastPosition: string | null;
}

/**
 * Checks the framing of an export: a header, event lines in increasing positions, and a trailer
 * whose count and position match, followed by nothing. A truncated download fails this check.
 */
export function checkLedgerText(text: string): LedgerFileCheck {
  const lines = text.split('\n');
  let header: LedgerHeader | null = null;
  let events = 0;
  let lastPosition: string | null = null;
  const result = (problem: string | null): LedgerFileCheck => ({ complete: problem === null, problem, header, events, lastPosition });
  if (!text.endsWith('\n')) return result('the export does not end with a newline: truncated');
  lines.pop();
  for (const [index, line] of lines.entries()) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return result(`line ${index + 1} is not JSON`);
    }
    if (index === 0) {
      if (value.format !== LEDGER_FORMAT || value.version !== LEDGER_FORMAT_VERSION) return result('the first line is not an urne-ledger version 1 header');
      header = value as unknown as LedgerHeader;
      lastPosition = header.from;
      continue;
    }
    if (value.end === true) {
      if (index !== lines.length - 1) return result(`the trailer (line ${index + 1}) is not the last line`);
      if (value.count !== events) return result(`the trailer counts ${String(value.count)} events, the export holds ${events}`);
      if (value.position !== lastPosition) return result(`the trailer says position ${String(value.position)}, the last event is at ${String(lastPosition)}`);
      return result(null);
    }
    if (typeof value.position !== 'string' || !/^\d+$/.test(value.position)) return result(`line ${index + 1} has no position`);
    if (lastPosition !== null && BigInt(value.position) <= BigInt(lastPosition)) return result(`line ${index + 1}: position ${value.position} does not follow ${lastPosition}`);
    lastPosition = value.position;
    events++;
  }
  return result(header === null ? 'no header' : 'no trailer: the export is truncated');
}
