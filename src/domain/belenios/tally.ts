import { lastBallots, readCiphertext, type Ballot } from './ballot.js';
import { choiceCount, sha256Hex, type Election } from './election.js';
import { multiply, NEUTRAL_CIPHERTEXT, power, type Ciphertext } from './elgamal.js';
import type { ModExp } from './groups.js';
import { BeleniosFormatError, compactJson, readArray, readList, readString, weightToJson } from './json.js';
import type { Sha256 } from './trustee-key.js';

/**
 * The encrypted tally (Belenios 2.0, 4.16), homomorphic questions only: for each question i and
 * choice j, C[i][j] = prod over last(B) of choices(b)[i][j] ^ weight(b).
 */
export type EncryptedTally = readonly (readonly Ciphertext[])[];

export interface ComputedTally {
  readonly tally: EncryptedTally;
  /** The number of ballots in last(B). */
  readonly numTallied: number;
  /** The sum of their weights: the bound of every count in the result. */
  readonly totalWeight: bigint;
}

/**
 * Tallies the accepted ballots (in their order of acceptance; last(B) is applied here).
 * Ballots of equal weight are multiplied first and raised to that weight once:
 * prod c_k^w = (prod c_k)^w saves two exponentiations per ballot and choice.
 */
export function computeEncryptedTally(election: Election, accepted: readonly Ballot[], weightOf: (credential: bigint) => bigint, modExp: ModExp): ComputedTally {
  const { group } = election;
  const byWeight = new Map<bigint, Ciphertext[][]>();
  let totalWeight = 0n;
  const tallied = lastBallots(accepted);
  for (const ballot of tallied) {
    const weight = weightOf(ballot.credential);
    totalWeight += weight;
    const products = byWeight.get(weight) ?? election.questions.map((question) => Array.from({ length: choiceCount(question) }, () => NEUTRAL_CIPHERTEXT));
    byWeight.set(weight, products.map((row, i) => row.map((c, j) => multiply(group, c, ballot.answers[i]!.choices[j]!))));
  }
  let tally = election.questions.map((question) => Array.from({ length: choiceCount(question) }, (): Ciphertext => NEUTRAL_CIPHERTEXT));
  for (const [weight, products] of byWeight) {
    tally = tally.map((row, i) => row.map((c, j) => multiply(group, c, power(group, products[i]![j]!, weight, modExp))));
  }
  return { tally, numTallied: tallied.length, totalWeight };
}

/** The encrypted_tally text: ciphertext** in compact JSON. */
export function serializeEncryptedTally(tally: EncryptedTally): string {
  return compactJson(tally.map((row) => row.map((c) => ({ alpha: c.alpha, beta: c.beta }))));
}

/** Reads an encrypted_tally, checking it has the election's shape. */
export function encryptedTallyFromJson(election: Election, value: unknown): EncryptedTally {
  const rows = readList(value, 'encrypted_tally', (row, what) => readList(row, what, readCiphertext));
  const shaped = rows.length === election.questions.length && election.questions.every((question, i) => rows[i]!.length === choiceCount(question));
  if (!shaped) throw new BeleniosFormatError('encrypted_tally does not have the shape of the election questions');
  return rows;
}

/**
 * The sized_encrypted_tally text (the EncryptedTally event's payload): fields num_tallied,
 * total_weight, encrypted_tally (the SHA256, in hexadecimal, of the encrypted_tally text).
 */
export async function serializeSizedEncryptedTally(tallyText: string, numTallied: number, totalWeight: bigint, sha256: Sha256): Promise<string> {
  return compactJson({ num_tallied: numTallied, total_weight: weightToJson(totalWeight), encrypted_tally: await sha256Hex(tallyText, sha256) });
}

/**
 * Weights from a public_credentials list (4.8). belenios-tool 2.0 writes each entry as
 * "credential,weight,login" with an empty weight meaning 1; the specification's
 * "credential,weight" and a bare "credential" are read too.
 */
export function credentialWeights(value: unknown): Map<bigint, bigint> {
  const weights = new Map<bigint, bigint>();
  for (const [index, entry] of readArray(value, 'public_credentials').entries()) {
    const [credential, weight] = readString(entry, `public_credentials[${index}]`).split(',');
    if (!credential || !/^[0-9]+$/.test(credential) || (weight && !/^[0-9]+$/.test(weight))) {
      throw new BeleniosFormatError(`public_credentials[${index}] must be "credential[,weight[,login]]" in base 10`);
    }
    weights.set(BigInt(credential), weight ? BigInt(weight) : 1n);
  }
  return weights;
}
