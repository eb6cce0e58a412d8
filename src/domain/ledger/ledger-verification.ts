import { fromHex, toHex } from './canonical-json.js';
import { chainStep, eventDigest, GENESIS, type ChainedEvent, type ChainState, type Sha256 } from './ledger-chain.js';
import { checkSeal, LEDGER_SEALED, sealOfEventData, type LedgerSeal, type SignatureVerifier, type TrustedKey } from './ledger-seal.js';

/**
 * Recomputing the chain and comparing it with what the server signed.
 *
 * Anchors are trusted (position, chain hash, event count) triples: the auditor's kept seal, every
 * seal found in the ledger whose signature verifies with the trusted key, and the checkpoints those
 * seals carry. The verifier recomputes the chain event by event and compares it at each anchor.
 * A change, removal, insertion or reordering of an event changes the chain from that event on, so
 * the first failing anchor bounds the change from above and the last matching one from below:
 * "the first difference lies in (after, atOrBefore]". Structural oddities (a stream whose revisions
 * skip or go back, positions out of order or, on SQLite, with a gap) name the event where they can.
 */

export interface Anchor {
  position: bigint;
  chainHash: string;
  eventCount: number;
  /** Where this anchor comes from, for the report ("your seal", "seal at position 1250"…). */
  source: string;
}

export type AnomalyKind =
  | 'position-order'
  | 'position-gap'
  | 'revision-gap'
  | 'revision-order'
  | 'stream-start'
  | 'seal-bad-signature'
  | 'seal-malformed'
  | 'conflicting-seals';

export interface Anomaly {
  kind: AnomalyKind;
  position: string;
  stream?: string;
  revision?: string;
  type?: string;
  message: string;
}

export interface EventSummary {
  position: string;
  stream: string;
  revision: string;
  type: string;
}

export interface AnchorResult {
  position: string;
  source: string;
  expected: { chainHash: string; eventCount: number };
  /** The recomputed chain at that position, or null when no event is at that position any more. */
  actual: { chainHash: string; eventCount: number } | null;
  matches: boolean;
}

export interface Divergence {
  /** The last anchor that matched (null: the start of the check). The change lies after it. */
  after: { position: string | null; source: string };
  /** The first anchor that failed: the first change lies at or before it. */
  atOrBefore: AnchorResult;
  /** Events now in (after, atOrBefore], and the first of them (capped) for the report. */
  eventsBetween: number;
  /** The first and last positions now in that range (null when it holds no event). */
  firstPosition: string | null;
  lastPosition: string | null;
  events: EventSummary[];
  eventsTruncated: boolean;
  /** Structural anomalies inside that range: where present, they name the event. */
  anomalies: Anomaly[];
  /** The event most likely changed: the first anomaly's, or the only event of the range. */
  suspect: (EventSummary & { reason: string }) | null;
}

export interface VerificationReport {
  ok: boolean;
  from: { position: string | null; chainHash: string; eventCount: number };
  /** Where the recomputation stopped (the kept seal's position, or the head). */
  head: { position: string | null; chainHash: string; eventCount: number };
  eventsRead: number;
  target: AnchorResult | null;
  anchorsChecked: number;
  anchorsMatched: number;
  divergence: Divergence | null;
  anomalies: Anomaly[];
  anomaliesTruncated: boolean;
}

export interface LedgerVerifierOptions {
  sha256: Sha256;
  /** Where to start (a trusted seal's state for an incremental check); default: the genesis. */
  start?: ChainState;
  /** The kept seal to reach (checked last); absent: run to the end of what is fed. */
  target?: Anchor;
  /** Other trusted anchors (in-log seals, their checkpoints); those outside (start, target] are ignored. */
  anchors?: readonly Anchor[];
  /** Whether positions are consecutive integers (the SQLite store): a gap is then an anomaly. */
  contiguousPositions?: boolean;
  /** Anomalies found before the recomputation (seals with bad signatures…). */
  preliminaryAnomalies?: readonly Anomaly[];
  /** Caps on what the report lists (default 200 events of a range, 1,000 anomalies). */
  maxEventsListed?: number;
  maxAnomalies?: number;
}

/** Feed it the events of `$all` from the start (or after `start.position`) in order, then `finish()`. */
export class LedgerVerifier {
  private readonly sha256: Sha256;
  private readonly start: ChainState;
  private readonly target: Anchor | null;
  private readonly anchors: Anchor[];
  private next = 0;
  private hash: Uint8Array;
  private position: bigint | null;
  private count: number;
  private eventsRead = 0;
  private readonly lastRevision = new Map<string, bigint>();
  private readonly anomalies: Anomaly[] = [];
  private anomaliesTruncated = false;
  private checked = 0;
  private matched = 0;
  private lastGood: { position: string | null; source: string };
  private window: EventSummary[] = [];
  private windowCount = 0;
  private windowLast: string | null = null;
  private windowAnomalies: Anomaly[] = [];
  private divergence: Divergence | null = null;
  private targetResult: AnchorResult | null = null;
  private finished = false;
  private readonly maxEvents: number;
  private readonly maxAnomalies: number;

  constructor(private readonly options: LedgerVerifierOptions) {
    this.sha256 = options.sha256;
    this.start = options.start ?? GENESIS;
    this.target = options.target ?? null;
    this.hash = fromHex(this.start.chainHash);
    this.position = this.start.position;
    this.count = this.start.eventCount;
    this.maxEvents = options.maxEventsListed ?? 200;
    this.maxAnomalies = options.maxAnomalies ?? 1000;
    this.lastGood = { position: this.start.position?.toString() ?? null, source: this.start.position === null ? 'the start of the ledger' : 'the seal verified from' };
    const lower = this.start.position ?? -1n;
    const upper = this.target?.position ?? null;
    const inRange = (options.anchors ?? []).filter((a) => a.position > lower && (upper === null || a.position < upper));
    this.anchors = [...inRange, ...(this.target ? [this.target] : [])].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    for (const anomaly of options.preliminaryAnomalies ?? []) this.addAnomaly(anomaly);
    for (let i = 1; i < this.anchors.length; i++) {
      const [a, b] = [this.anchors[i - 1]!, this.anchors[i]!];
      if (a.position === b.position && (a.chainHash !== b.chainHash || a.eventCount !== b.eventCount))
        this.addAnomaly({ kind: 'conflicting-seals', position: a.position.toString(), message: `${a.source} and ${b.source} are both signed and disagree about position ${a.position}: the server signed two histories` });
    }
  }

  /** True once the target position is passed: the caller may stop reading. */
  get done(): boolean {
    return this.finished || (this.target !== null && this.position !== null && this.position >= this.target.position);
  }

  feed(event: ChainedEvent): void {
    if (this.done) return;
    this.eventsRead += 1;
    this.checkStructure(event);
    // Anchors this event jumped over: the event they name is no longer there.
    while (this.next < this.anchors.length && this.anchors[this.next]!.position < event.position) this.settle(this.anchors[this.next++]!, null);
    this.hash = chainStep(this.sha256, this.hash, eventDigest(this.sha256, event));
    this.position = event.position;
    this.count += 1;
    const summary: EventSummary = { position: event.position.toString(), stream: event.stream, revision: event.revision.toString(), type: event.type };
    if (this.divergence === null) {
      this.windowCount += 1;
      this.windowLast = summary.position;
      if (this.window.length < this.maxEvents) this.window.push(summary);
    }
    while (this.next < this.anchors.length && this.anchors[this.next]!.position === event.position)
      this.settle(this.anchors[this.next++]!, { chainHash: toHex(this.hash), eventCount: this.count });
  }

  finish(): VerificationReport {
    this.finished = true;
    while (this.next < this.anchors.length) this.settle(this.anchors[this.next++]!, null);
    const ok = this.divergence === null && this.anomalies.length === 0 && (this.targetResult?.matches ?? true);
    return {
      ok,
      from: { position: this.start.position?.toString() ?? null, chainHash: this.start.chainHash, eventCount: this.start.eventCount },
      head: { position: this.position?.toString() ?? null, chainHash: toHex(this.hash), eventCount: this.count },
      eventsRead: this.eventsRead,
      target: this.targetResult,
      anchorsChecked: this.checked,
      anchorsMatched: this.matched,
      divergence: this.divergence,
      anomalies: this.anomalies,
      anomaliesTruncated: this.anomaliesTruncated,
    };
  }

  private settle(anchor: Anchor, actual: { chainHash: string; eventCount: number } | null): void {
    const matches = actual !== null && actual.chainHash === anchor.chainHash && actual.eventCount === anchor.eventCount;
    const result: AnchorResult = {
      position: anchor.position.toString(),
      source: anchor.source,
      expected: { chainHash: anchor.chainHash, eventCount: anchor.eventCount },
      actual,
      matches,
    };
    this.checked += 1;
    if (anchor === this.target) this.targetResult = result;
    if (matches) {
      this.matched += 1;
      if (this.divergence === null) {
        this.lastGood = { position: result.position, source: anchor.source };
        this.window = [];
        this.windowCount = 0;
        this.windowLast = null;
        this.windowAnomalies = [];
      }
      return;
    }
    if (this.divergence !== null) return;
    const first = this.windowAnomalies[0];
    const only = this.windowCount === 1 ? this.window[0] : undefined;
    const suspect = first
      ? { position: first.position, stream: first.stream ?? '', revision: first.revision ?? '', type: first.type ?? '', reason: first.message }
      : only
        ? { ...only, reason: 'the only event between the last matching anchor and the first failing one' }
        : null;
    this.divergence = {
      after: this.lastGood,
      atOrBefore: result,
      eventsBetween: this.windowCount,
      firstPosition: this.window[0]?.position ?? null,
      lastPosition: this.windowCount > 0 ? this.windowLast : null,
      events: this.window,
      eventsTruncated: this.windowCount > this.window.length,
      anomalies: this.windowAnomalies,
      suspect,
    };
  }

  private checkStructure(event: ChainedEvent): void {
    const base = { position: event.position.toString(), stream: event.stream, revision: event.revision.toString(), type: event.type };
    if (this.position !== null && event.position <= this.position)
      this.addAnomaly({ kind: 'position-order', ...base, message: `position ${event.position} comes after ${this.position}: events are out of order` });
    else if (this.options.contiguousPositions && event.position !== (this.position ?? 0n) + 1n)
      this.addAnomaly({ kind: 'position-gap', ...base, message: `position ${event.position} follows ${this.position ?? 'the start'}: ${event.position - (this.position ?? 0n) - 1n} position(s) missing` });
    const previous = this.lastRevision.get(event.stream);
    if (previous === undefined) {
      if (this.start.position === null && event.revision !== 0n)
        this.addAnomaly({ kind: 'stream-start', ...base, message: `stream ${event.stream} starts at revision ${event.revision}: its earlier events are missing` });
    } else if (event.revision > previous + 1n)
      this.addAnomaly({ kind: 'revision-gap', ...base, message: `stream ${event.stream} jumps from revision ${previous} to ${event.revision}: ${event.revision - previous - 1n} event(s) missing` });
    else if (event.revision <= previous)
      this.addAnomaly({ kind: 'revision-order', ...base, message: `stream ${event.stream} goes from revision ${previous} back to ${event.revision}: an event was moved or duplicated` });
    this.lastRevision.set(event.stream, event.revision);
  }

  private addAnomaly(anomaly: Anomaly): void {
    if (this.divergence === null && anomaly.kind !== 'seal-bad-signature' && anomaly.kind !== 'seal-malformed' && anomaly.kind !== 'conflicting-seals')
      this.windowAnomalies.push(anomaly);
    if (this.anomalies.length < this.maxAnomalies) this.anomalies.push(anomaly);
    else this.anomaliesTruncated = true;
  }
}

export interface SealFound {
  /** The seal event's own position and stream. */
  eventPosition: bigint;
  stream: string;
  seal: LedgerSeal;
}

/**
 * From the LedgerSealed events of a ledger (first pass), the anchors to trust: those signed by the
 * trusted key, and their checkpoints. Seals claiming the key without a valid signature, and
 * malformed ones, become anomalies (someone wrote them who does not hold the key).
 */
export function anchorsFromSeals(
  events: readonly { position: bigint; stream: string; type: string; data: unknown }[],
  key: TrustedKey,
  verify: SignatureVerifier,
): { anchors: Anchor[]; anomalies: Anomaly[]; seals: SealFound[]; otherKeys: number } {
  const anchors: Anchor[] = [];
  const anomalies: Anomaly[] = [];
  const seals: SealFound[] = [];
  let otherKeys = 0;
  for (const event of events) {
    if (event.type !== LEDGER_SEALED) continue;
    const where = { position: event.position.toString(), stream: event.stream, type: event.type };
    const seal = sealOfEventData(event.data);
    if (!seal) {
      anomalies.push({ kind: 'seal-malformed', ...where, message: `the seal event at position ${event.position} is not a well-formed seal` });
      continue;
    }
    const check = checkSeal(seal, key, verify);
    if (!check.ok) {
      if (check.reason === 'other-key') otherKeys += 1;
      else anomalies.push({ kind: check.reason === 'malformed' ? 'seal-malformed' : 'seal-bad-signature', ...where, message: `the seal event at position ${event.position} (sealing ${seal.position}): ${check.message}` });
      continue;
    }
    seals.push({ eventPosition: event.position, stream: event.stream, seal });
    const source = `the seal at position ${event.position} (${event.stream})`;
    anchors.push({ position: BigInt(seal.position), chainHash: seal.chainHash, eventCount: seal.eventCount, source });
    for (const checkpoint of seal.checkpoints)
      anchors.push({ position: BigInt(checkpoint.position), chainHash: checkpoint.chainHash, eventCount: checkpoint.eventCount, source: `a checkpoint of ${source}` });
  }
  return { anchors, anomalies, seals, otherKeys };
}
