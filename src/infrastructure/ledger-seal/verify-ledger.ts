import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  anchorsFromSeals,
  checkSeal,
  LEDGER_SEALED,
  LedgerVerifier,
  type Anchor,
  type Anomaly,
  type ChainedEvent,
  type SealCheck,
  type SealDocument,
  type TrustedKey,
  type VerificationReport,
} from '../../domain/ledger/index.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { nodeSha256, nodeVerifyEd25519 } from './ledger-crypto.js';

/**
 * Verifying a ledger against seals: the functions `urne ledger verify` runs, for reuse (`urne
 * audit`). A source gives the ledger's events in `$all` order, from a store (SQLite or KurrentDB,
 * through the port) or from an NDJSON export (docs/public-record.md).
 */

export interface SealEventLike {
  position: bigint;
  stream: string;
  type: string;
  data: unknown;
}

export interface LedgerSource {
  readonly description: string;
  /** Whether positions are 1, 2, 3… (the SQLite store): a gap is then reported. */
  readonly contiguousPositions: boolean;
  /** The LedgerSealed events (first pass). */
  seals(): AsyncIterable<SealEventLike>;
  /** The events after `from` (exclusive; null: from the start), in order (second pass). */
  events(from: bigint | null): AsyncIterable<ChainedEvent>;
}

/** A source reading an event store through the port. */
export function storeLedgerSource(store: EventStore, description: string = store.kind): LedgerSource {
  return {
    description,
    contiguousPositions: store.kind === 'sqlite',
    async *seals() {
      for await (const event of store.readAll({ filter: { kind: 'eventType', prefixes: [LEDGER_SEALED] } }))
        if (event.type === LEDGER_SEALED) yield event;
    },
    async *events(from) {
      yield* store.readAll({ fromPosition: from ?? 'start' });
    },
  };
}

export class LedgerSourceError extends Error {}

interface ExportLine {
  position?: unknown;
  stream?: unknown;
  revision?: unknown;
  id?: unknown;
  type?: unknown;
  data?: unknown;
  metadata?: unknown;
  format?: unknown;
  end?: unknown;
  from?: unknown;
  redacted?: unknown;
}

/**
 * A source reading an `urne export ledger` file (format urne-ledger version 1). It must be an
 * exact record (no redaction: redacted data no longer matches the chain) and start at or before
 * where the check starts. A file without its trailer is truncated: reading it to its end fails.
 */
export function exportFileLedgerSource(file: string): LedgerSource {
  async function* lines(): AsyncGenerator<{ number: number; text: string }> {
    const input = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let number = 0;
    for await (const text of input) yield { number: ++number, text };
  }
  let exportFrom: bigint | null = null;
  function header(line: ExportLine, number: number): void {
    if (number !== 1 || line.format !== 'urne-ledger') throw new LedgerSourceError(`${file}: line 1 is not an urne-ledger header`);
    if (Array.isArray(line.redacted) && line.redacted.length > 0)
      throw new LedgerSourceError(`${file} is a redacted export (${line.redacted.join(',')}): its data no longer matches the chain; export without --redact`);
    exportFrom = typeof line.from === 'string' ? BigInt(line.from) : null;
  }
  function event(line: ExportLine, number: number): ChainedEvent {
    const { position, stream, revision, id, type } = line;
    if (typeof position !== 'string' || typeof stream !== 'string' || typeof revision !== 'string' || typeof id !== 'string' || typeof type !== 'string' || !('data' in line) || !('metadata' in line))
      throw new LedgerSourceError(`${file}: line ${number} is not an event line`);
    return { position: BigInt(position), stream, revision: BigInt(revision), id, type, data: line.data, metadata: line.metadata };
  }
  return {
    description: file,
    contiguousPositions: false,
    async *seals() {
      for await (const { number, text } of lines()) {
        if (number === 1) header(JSON.parse(text) as ExportLine, number);
        else if (text.includes('"LedgerSealed"')) {
          const line = JSON.parse(text) as ExportLine;
          if (line.type === LEDGER_SEALED && line.end !== true) yield event(line, number);
        }
      }
    },
    async *events(from) {
      let ended = false;
      for await (const { number, text } of lines()) {
        const line = JSON.parse(text) as ExportLine;
        if (number === 1) {
          header(line, number);
          if (exportFrom !== null && (from === null || exportFrom > from))
            throw new LedgerSourceError(`${file} starts after position ${exportFrom}, but the check starts ${from === null ? 'at the start of the ledger' : `after ${from}`}`);
          continue;
        }
        if (line.end === true) {
          ended = true;
          break;
        }
        const chained = event(line, number);
        if (from !== null && chained.position <= from) continue;
        yield chained;
      }
      if (!ended) throw new LedgerSourceError(`${file} is truncated (no trailer line): download it again or resume it`);
    },
  };
}

export interface VerifyLedgerOptions {
  /** The seal the auditor kept: the check runs up to its position. */
  seal?: SealDocument;
  /** A seal verified earlier: the check starts from its position and chain hash. */
  since?: SealDocument;
  /** The server's sealing key as the auditor trusts it. */
  key: TrustedKey;
  onProgress?: (eventsRead: number, position: bigint) => void;
}

export interface LedgerVerification extends VerificationReport {
  source: string;
  keyId: string;
  seal: (SealCheck & { position: string }) | null;
  since: (SealCheck & { position: string }) | null;
  sealsInLedger: { signed: number; otherKeys: number; rejected: number };
  seconds: number;
  eventsPerSecond: number;
}

/**
 * Recomputes the chain of `source` and compares it with the kept seal, every seal signed by `key`
 * found in the ledger, and their checkpoints. Without `seal`, runs to the end of the ledger.
 */
export async function verifyLedger(source: LedgerSource, options: VerifyLedgerOptions): Promise<LedgerVerification> {
  const started = performance.now();
  const { key } = options;
  const check = (doc: SealDocument | undefined) => (doc ? { position: doc.position, ...checkSeal(doc, key, nodeVerifyEd25519) } : null);
  const sealCheck = check(options.seal);
  const sinceCheck = check(options.since);
  if (options.seal && options.since && BigInt(options.since.position) > BigInt(options.seal.position))
    throw new LedgerSourceError(`--since (position ${options.since.position}) is after --seal (position ${options.seal.position})`);

  // Pass 1: the seals inside the ledger, trusted only if the key signed them.
  const sealEvents: SealEventLike[] = [];
  for await (const event of source.seals()) sealEvents.push(event);
  const found = anchorsFromSeals(sealEvents, key, nodeVerifyEd25519);
  const preliminary: Anomaly[] = [...found.anomalies];
  for (const [name, result] of [['seal', sealCheck], ['since', sinceCheck]] as const)
    if (result && !result.ok) preliminary.unshift({ kind: result.reason === 'malformed' ? 'seal-malformed' : 'seal-bad-signature', position: result.position, message: `the --${name} seal: ${result.message}` });

  const anchors: Anchor[] = found.anchors;
  const target: Anchor | undefined =
    options.seal && sealCheck?.ok ? { position: BigInt(options.seal.position), chainHash: options.seal.chainHash, eventCount: options.seal.eventCount, source: 'your seal' } : undefined;
  const start = options.since && sinceCheck?.ok ? { position: BigInt(options.since.position), chainHash: options.since.chainHash, eventCount: options.since.eventCount } : undefined;
  const verifier = new LedgerVerifier({
    sha256: nodeSha256,
    ...(start ? { start } : {}),
    ...(target ? { target } : {}),
    anchors,
    contiguousPositions: source.contiguousPositions,
    preliminaryAnomalies: preliminary,
  });

  // Pass 2: the chain. A kept seal that fails its own check is no target, but the ledger's seals still count.
  let read = 0;
  for await (const event of source.events(start?.position ?? null)) {
    verifier.feed(event);
    if (++read % 10_000 === 0) options.onProgress?.(read, event.position);
    if (verifier.done) break;
  }
  const report = verifier.finish();
  const seconds = (performance.now() - started) / 1000;
  return {
    ...report,
    ok: report.ok && (sealCheck?.ok ?? true) && (sinceCheck?.ok ?? true),
    source: source.description,
    keyId: key.keyId,
    seal: sealCheck,
    since: sinceCheck,
    sealsInLedger: { signed: found.seals.length, otherKeys: found.otherKeys, rejected: found.anomalies.length },
    seconds,
    eventsPerSecond: Math.round(report.eventsRead / Math.max(seconds, 1e-6)),
  };
}

/** A report for people: what was checked, and where it first went wrong. */
export function describeVerification(v: LedgerVerification): string {
  const out: string[] = [];
  const range = `${v.from.position === null ? 'the start' : `position ${v.from.position}`} to ${v.head.position === null ? 'the start' : `position ${v.head.position}`}`;
  out.push(`${v.ok ? 'VERIFIED' : 'FAILED'}: ${v.source}, ${v.eventsRead} events read (${range}), key ${v.keyId}`);
  if (v.seal) out.push(`  your seal (position ${v.seal.position}): ${v.seal.ok ? 'signature valid' : v.seal.message}${v.target ? (v.target.matches ? ', chain matches' : ', chain DOES NOT match') : ''}`);
  if (v.since) out.push(`  starting seal (position ${v.since.position}): ${v.since.ok ? 'signature valid' : v.since.message}`);
  out.push(`  seals in the ledger: ${v.sealsInLedger.signed} signed by this key, ${v.sealsInLedger.otherKeys} by other keys, ${v.sealsInLedger.rejected} rejected; ${v.anchorsMatched}/${v.anchorsChecked} anchors match`);
  out.push(`  chain at ${v.head.position ?? 'the start'}: ${v.head.chainHash} (${v.head.eventCount} events)`);
  if (v.target && !v.target.matches) {
    const actual = v.target.actual;
    out.push(
      `  at the seal's position ${v.target.position}: expected ${v.target.expected.chainHash} after ${v.target.expected.eventCount} events; ` +
        (actual ? `found ${actual.chainHash} after ${actual.eventCount} events` : 'no event is at that position any more'),
    );
  }
  const d = v.divergence;
  if (d) {
    out.push(`  first divergence: after ${d.after.position === null ? 'the start' : `position ${d.after.position}`} (${d.after.source}, matches) and at or before position ${d.atOrBefore.position} (${d.atOrBefore.source}, does not)`);
    out.push(`    ${d.eventsBetween} event(s) now in that range${d.eventsBetween > 0 ? `: positions ${d.firstPosition} to ${d.lastPosition}` : ''}`);
    if (d.suspect) out.push(`    suspect: position ${d.suspect.position}, ${d.suspect.stream} revision ${d.suspect.revision}, ${d.suspect.type}: ${d.suspect.reason}`);
    if (d.eventsBetween > 0 && d.eventsBetween <= 20) for (const e of d.events) out.push(`      ${e.position}  ${e.stream}@${e.revision}  ${e.type}`);
  }
  for (const anomaly of v.anomalies.slice(0, 20)) out.push(`  ${anomaly.kind}: ${anomaly.message}${anomaly.stream ? ` (position ${anomaly.position}, ${anomaly.stream}, ${anomaly.type})` : ''}`);
  if (v.anomalies.length > 20 || v.anomaliesTruncated) out.push(`  … and more anomalies (see --json)`);
  out.push(`  ${v.eventsPerSecond.toLocaleString('en-US')} events/s`);
  return `${out.join('\n')}\n`;
}
