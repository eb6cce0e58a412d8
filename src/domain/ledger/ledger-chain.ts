import { canonicalJson, fromHex, toHex, utf8 } from './canonical-json.js';

/**
 * The ledger chain: every event of `$all`, in position order, folded into one running SHA-256.
 *
 *   digest_n = SHA-256(UTF-8(canonicalJson({ position, stream, revision, id, type, data, metadata })))
 *   chain_0  = 32 zero bytes
 *   chain_n  = SHA-256(chain_{n-1} || digest_n)
 *
 * position and revision are decimal strings (they are 64-bit). `recordedAt` is left out on purpose
 * (see docs/ledger-chain.md): it is the store's clock, not a fact of the election, and its precision
 * depends on the store and client; the seals' signed `at` bounds it instead.
 */

/** SHA-256, injected (node:crypto on the server, WebCrypto or a library elsewhere). */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** What the chain reads of an event: the port's RecordedEvent without recordedAt. */
export interface ChainedEvent {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** Where a chain stands: after `eventCount` events, the last at `position` (null: none yet). */
export interface ChainState {
  position: bigint | null;
  chainHash: string;
  eventCount: number;
}

export const GENESIS_CHAIN_HASH = '0'.repeat(64);

export const GENESIS: ChainState = { position: null, chainHash: GENESIS_CHAIN_HASH, eventCount: 0 };

/** The canonical text an event's digest is taken of. */
export function eventDigestText(event: ChainedEvent): string {
  return canonicalJson({
    position: event.position.toString(),
    stream: event.stream,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  });
}

export function eventDigest(sha256: Sha256, event: ChainedEvent): Uint8Array {
  return sha256(utf8(eventDigestText(event)));
}

/** chain_n = SHA-256(chain_{n-1} || digest_n), on raw bytes. */
export function chainStep(sha256: Sha256, previous: Uint8Array, digest: Uint8Array): Uint8Array {
  const joined = new Uint8Array(previous.length + digest.length);
  joined.set(previous, 0);
  joined.set(digest, previous.length);
  return sha256(joined);
}

/** A running chain: `append` each event of `$all` in order. */
export class LedgerChain {
  private hash: Uint8Array;
  private last: bigint | null;
  private count: number;

  constructor(
    private readonly sha256: Sha256,
    from: ChainState = GENESIS,
  ) {
    this.hash = fromHex(from.chainHash);
    if (this.hash.length !== 32) throw new TypeError('a chain hash is 32 bytes (64 hex characters)');
    this.last = from.position;
    this.count = from.eventCount;
  }

  /** Folds the next event in; returns its digest (hex). Positions must increase. */
  append(event: ChainedEvent): Uint8Array {
    if (this.last !== null && event.position <= this.last)
      throw new RangeError(`events out of order: position ${event.position} after ${this.last}`);
    const digest = eventDigest(this.sha256, event);
    this.hash = chainStep(this.sha256, this.hash, digest);
    this.last = event.position;
    this.count += 1;
    return digest;
  }

  get state(): ChainState {
    return { position: this.last, chainHash: toHex(this.hash), eventCount: this.count };
  }
}
