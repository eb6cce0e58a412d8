import { canonicalJson, fromHex, toHex, utf8 } from './canonical-json.js';
import type { Sha256 } from './ledger-chain.js';

/**
 * A seal: the server's signed statement "the ledger, up to and including position P, has this
 * chain hash and this many events". Seals are events themselves (`LedgerSealed` in the stream
 * `ledgerseal-<P>`), so each seal is chained by the next one; a seal never covers itself.
 */
export const LEDGER_SEALED = 'LedgerSealed';
export const LEDGER_SEAL_CATEGORY = 'ledgerseal';
export const SEAL_FORMAT = 'urne-ledger-seal/1';
export const SEAL_ALGORITHM = 'Ed25519';

export type SealReason = 'interval' | 'phase-change';

/** A signed (position, chain hash) pair inside a seal, taken every K-th event (see checkpoints). */
export interface ChainCheckpoint {
  position: string;
  chainHash: string;
  eventCount: number;
}

/** The signed part of a seal. Positions are decimal strings (64-bit). */
export interface SealBody {
  position: string;
  chainHash: string;
  eventCount: number;
  reason: SealReason;
  /** When the server signed it (ISO 8601): every event up to `position` was recorded before. */
  at: string;
  algorithm: typeof SEAL_ALGORITHM;
  /** First 16 bytes (hex) of SHA-256 of the raw 32-byte Ed25519 public key. */
  keyId: string;
  /**
   * The chain at every event whose ordinal (1-based count in `$all`) is a multiple of the
   * checkpoint spacing, after the sealer's previous seal and up to `position`: they narrow down
   * where a change lies to one spacing's worth of events.
   */
  checkpoints: ChainCheckpoint[];
  /** Why: for phase-change seals, the type of the event that triggered it. */
  trigger?: string;
}

export interface LedgerSeal extends SealBody {
  /** Ed25519 signature (hex, 64 bytes) of sealSigningText(body). */
  signature: string;
}

/** The file an auditor keeps: the seal, where it was found, and (unsigned, for convenience) the key. */
export interface SealDocument extends LedgerSeal {
  format: typeof SEAL_FORMAT;
  /** The seal event itself (not signed: the seal is the body). */
  sealEvent?: { position: string; stream: string; id: string };
  /** The raw Ed25519 public key (hex); trusted only if its id is the seal's keyId. */
  publicKey?: string;
}

/** Event types after which a seal is taken at once: the phases of an election. */
export const PHASE_CHANGE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'ElectionDeclared',
  'ElectionDateChanged',
  'ElectionCancelled',
  'ElectionClosed',
  'BallotOrderSet',
  // Registration closes at a time, with no event of its own; its first consequence is the
  // issue of the voting credentials (the credential authority runs at the close).
  'CredentialsIssued',
  'VoteSealed',
  'BallotBoxOpened',
  'BallotBoxClosed',
  'EncryptedTallyComputed',
  'ResultComputed',
  'ResultCertified',
]);

export function sealStreamName(position: bigint | string): string {
  return `${LEDGER_SEAL_CATEGORY}-${position.toString()}`;
}

/** The bytes that are signed: a format line, then the canonical JSON of the body. */
export function sealSigningText(body: SealBody): string {
  const signed: SealBody = {
    position: body.position,
    chainHash: body.chainHash,
    eventCount: body.eventCount,
    reason: body.reason,
    at: body.at,
    algorithm: body.algorithm,
    keyId: body.keyId,
    checkpoints: body.checkpoints.map((c) => ({ position: c.position, chainHash: c.chainHash, eventCount: c.eventCount })),
    ...(body.trigger === undefined ? {} : { trigger: body.trigger }),
  };
  return `${SEAL_FORMAT}\n${canonicalJson(signed)}`;
}

export function sealSigningBytes(body: SealBody): Uint8Array {
  return utf8(sealSigningText(body));
}

/** keyId of a raw Ed25519 public key: the first 16 bytes of its SHA-256, in hex. */
export function sealingKeyId(sha256: Sha256, rawPublicKey: Uint8Array): string {
  return toHex(sha256(rawPublicKey).subarray(0, 16));
}

/** Checks an Ed25519 signature; injected (node:crypto, WebCrypto…). */
export type SignatureVerifier = (message: Uint8Array, signature: Uint8Array, rawPublicKey: Uint8Array) => boolean;

export interface TrustedKey {
  keyId: string;
  /** Raw 32-byte public key. */
  publicKey: Uint8Array;
}

export type SealCheck = { ok: true } | { ok: false; reason: 'other-key' | 'bad-signature' | 'malformed'; message: string };

/** Whether a seal is well formed and signed by the trusted key. */
export function checkSeal(seal: LedgerSeal, key: TrustedKey, verify: SignatureVerifier): SealCheck {
  const problem = sealShapeProblem(seal);
  if (problem) return { ok: false, reason: 'malformed', message: problem };
  if (seal.keyId !== key.keyId) return { ok: false, reason: 'other-key', message: `signed by key ${seal.keyId}, not ${key.keyId}` };
  let valid = false;
  try {
    valid = verify(sealSigningBytes(seal), fromHex(seal.signature), key.publicKey);
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, reason: 'bad-signature', message: 'the signature does not verify with the key' };
}

const HASH = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Why a value is not a seal, or null when it is one. */
export function sealShapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const seal = value as Record<string, unknown>;
  if (typeof seal.position !== 'string' || !DECIMAL.test(seal.position)) return 'position must be a decimal string';
  if (typeof seal.chainHash !== 'string' || !HASH.test(seal.chainHash)) return 'chainHash must be 64 lower-case hex characters';
  if (!Number.isSafeInteger(seal.eventCount) || (seal.eventCount as number) < 1) return 'eventCount must be a positive integer';
  if (seal.reason !== 'interval' && seal.reason !== 'phase-change') return 'reason must be "interval" or "phase-change"';
  if (typeof seal.at !== 'string' || Number.isNaN(Date.parse(seal.at))) return 'at must be an ISO 8601 instant';
  if (seal.algorithm !== SEAL_ALGORITHM) return `algorithm must be "${SEAL_ALGORITHM}"`;
  if (typeof seal.keyId !== 'string' || !/^[0-9a-f]{32}$/.test(seal.keyId)) return 'keyId must be 32 lower-case hex characters';
  if (typeof seal.signature !== 'string' || !/^[0-9a-f]{128}$/.test(seal.signature)) return 'signature must be 128 lower-case hex characters';
  if (seal.trigger !== undefined && typeof seal.trigger !== 'string') return 'trigger must be a string';
  if (!Array.isArray(seal.checkpoints)) return 'checkpoints must be an array';
  for (const checkpoint of seal.checkpoints as unknown[]) {
    const c = checkpoint as Record<string, unknown> | null;
    if (c === null || typeof c !== 'object' || typeof c.position !== 'string' || !DECIMAL.test(c.position) || typeof c.chainHash !== 'string' || !HASH.test(c.chainHash) || !Number.isSafeInteger(c.eventCount))
      return 'each checkpoint is { position (decimal string), chainHash (hex), eventCount }';
  }
  return null;
}

/** The seal held by a LedgerSealed event's data, or null if the data is not a seal. */
export function sealOfEventData(data: unknown): LedgerSeal | null {
  if (sealShapeProblem(data) !== null) return null;
  const d = data as LedgerSeal;
  return {
    position: d.position,
    chainHash: d.chainHash,
    eventCount: d.eventCount,
    reason: d.reason,
    at: d.at,
    algorithm: d.algorithm,
    keyId: d.keyId,
    checkpoints: d.checkpoints.map((c) => ({ position: c.position, chainHash: c.chainHash, eventCount: c.eventCount })),
    ...(d.trigger === undefined ? {} : { trigger: d.trigger }),
    signature: d.signature,
  };
}

/** Reads a kept seal file's JSON (a SealDocument, or a bare seal); throws with the reason. */
export function parseSealDocument(value: unknown): SealDocument {
  const seal = sealOfEventData(value);
  if (!seal) throw new TypeError(`not a ledger seal: ${sealShapeProblem(value)}`);
  const v = value as Record<string, unknown>;
  if (v.format !== undefined && v.format !== SEAL_FORMAT) throw new TypeError(`unknown seal format ${JSON.stringify(v.format)} (expected ${SEAL_FORMAT})`);
  if (v.publicKey !== undefined && (typeof v.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(v.publicKey))) throw new TypeError('publicKey must be 64 hex characters (the raw Ed25519 key)');
  const sealEvent = v.sealEvent as SealDocument['sealEvent'] | undefined;
  return {
    format: SEAL_FORMAT,
    ...seal,
    ...(sealEvent && typeof sealEvent === 'object' ? { sealEvent: { position: String(sealEvent.position), stream: String(sealEvent.stream), id: String(sealEvent.id) } } : {}),
    ...(typeof v.publicKey === 'string' ? { publicKey: v.publicKey } : {}),
  };
}

export function sealDocument(seal: LedgerSeal, extra: { sealEvent?: SealDocument['sealEvent']; publicKey?: string } = {}): SealDocument {
  return { format: SEAL_FORMAT, ...seal, ...(extra.sealEvent ? { sealEvent: extra.sealEvent } : {}), ...(extra.publicKey ? { publicKey: extra.publicKey } : {}) };
}
