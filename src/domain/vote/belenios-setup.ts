import type { Sha256 } from '../belenios/trustee-key.js';
import type { SealFingerprints, VoteCandidate } from './vote-setup.events.js';

/**
 * The Belenios structures of one round, written as the exact texts that get published and
 * hashed (section 4.10 election, 4.7 trustees, 4.8 public credentials). Field order follows the
 * specification and belenios-tool, so that the same inputs give the same bytes.
 */

export interface ElectionText {
  uuid: string;
  title: string;
  description: string;
  publicKey: bigint;
  candidates: readonly VoteCandidate[];
  blankAllowed: boolean;
}

export const BALLOT_QUESTION = 'Quel candidat choisissez-vous ? / Which candidate do you choose?';

/** The election structure: one homomorphic question, one choice among the candidates, blank where allowed. */
export function electionJson(input: ElectionText): string {
  const question = {
    answers: input.candidates.map((candidate) => candidate.name),
    ...(input.blankAllowed ? { blank: true } : {}),
    min: 1,
    max: 1,
    question: BALLOT_QUESTION,
  };
  return JSON.stringify({
    version: 1,
    description: input.description,
    name: input.title,
    group: 'BELENIOS-2048',
    public_key: input.publicKey.toString(),
    questions: [question],
    uuid: input.uuid,
  });
}

/** `[["Single", key]…, ["Pedersen", parameters]]` from the exact texts of each part. */
export function trusteesJson(singles: readonly string[], pedersen: string | null): string {
  const items = singles.map((key) => `["Single",${key}]`);
  if (pedersen !== null) items.push(`["Pedersen",${pedersen}]`);
  return `[${items.join(',')}]`;
}

/** The public credentials list, sorted (the order says nothing about who holds which). */
export function publicCredentialsJson(credentials: readonly bigint[]): string {
  return JSON.stringify([...credentials].map((c) => c.toString()).sort());
}

/** A uuid in Belenios' format: 14 base-58 characters from the given random digits (0..57). */
export function beleniosUuid(digits: readonly number[]): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  if (digits.length < 14 || digits.some((d) => !Number.isInteger(d) || d < 0 || d > 57)) throw new RangeError('a Belenios uuid needs at least 14 digits from 0 to 57');
  return digits.map((d) => alphabet[d]).join('');
}

export async function sha256Hex(sha256: Sha256, text: string): Promise<string> {
  return Array.from(await sha256(text), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** BASE64(SHA256(text)) without padding: Belenios' HJSON, fingerprints and tracking numbers. */
export async function sha256Base64(sha256: Sha256, text: string): Promise<string> {
  const bytes = await sha256(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, '');
}

export interface SealInputs {
  election: string;
  candidates: readonly VoteCandidate[];
  publicCredentials: string;
  trustees: string;
  /** SHA-256 hex of the running code, computed by the infrastructure. */
  code: string;
}

/** The fingerprints of everything sealed, and the seal: the hash of the fingerprints. */
export async function sealOf(sha256: Sha256, inputs: SealInputs): Promise<{ fingerprints: SealFingerprints; seal: string }> {
  const fingerprints: SealFingerprints = {
    election: await sha256Hex(sha256, inputs.election),
    candidates: await sha256Hex(sha256, JSON.stringify(inputs.candidates.map((c) => ({ candidateId: c.candidateId, name: c.name })))),
    publicCredentials: await sha256Hex(sha256, inputs.publicCredentials),
    trustees: await sha256Hex(sha256, inputs.trustees),
    code: inputs.code,
  };
  return { fingerprints, seal: await sha256Hex(sha256, JSON.stringify(fingerprints)) };
}
