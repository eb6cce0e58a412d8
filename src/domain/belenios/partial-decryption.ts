import { readProof } from './ballot.js';
import { sha256Hex, type Election } from './election.js';
import { isExponent, isGroupElement } from './groups.js';
import { BeleniosFormatError, compactJson, field, readBigInt, readList, readObject } from './json.js';
import { fixedBasePower, hashToZq, proveDiscreteLog, verifyDiscreteLog, type CommitmentHash, type Proof, type ProveCrypto, type VerifyCrypto } from './proofs.js';
import type { EncryptedTally } from './tally.js';
import type { Sha256 } from './trustee-key.js';

/**
 * Partial decryptions (Belenios 2.0, 4.18): a trustee with private key x publishes, for each
 * tally ciphertext, the factor alpha^x and a proof that log_g X = log_alpha factor, bound to the
 * election by Hdecrypt(X, A, B) = SHA256(decrypt|φ|X|A,B) mod q.
 * Fields in order: decryption_factors, decryption_proofs.
 */
export interface PartialDecryption {
  readonly decryptionFactors: readonly (readonly bigint[])[];
  readonly decryptionProofs: readonly (readonly Proof[])[];
}

const decryptHash =
  (election: Election, sha256: Sha256, publicKey: bigint): CommitmentHash =>
  ([a, b]) =>
    hashToZq(election.group, sha256, 'decrypt', election.fingerprint, publicKey.toString(), `${a},${b}`);

export async function computePartialDecryption(election: Election, tally: EncryptedTally, privateKey: bigint, crypto: ProveCrypto): Promise<PartialDecryption> {
  const { group } = election;
  if (!isExponent(group, privateKey)) throw new RangeError('the private key must be in Z_q');
  const publicKey = fixedBasePower(crypto)(group.g, privateKey, group.p);
  const hash = decryptHash(election, crypto.sha256, publicKey);
  const decryptionFactors: bigint[][] = [];
  const decryptionProofs: Proof[][] = [];
  for (const row of tally) {
    decryptionFactors.push(row.map((c) => crypto.modExp(c.alpha, privateKey, group.p)));
    const proofs: Proof[] = [];
    for (const c of row) proofs.push(await proveDiscreteLog(group, privateKey, [group.g, c.alpha], hash, crypto));
    decryptionProofs.push(proofs);
  }
  return { decryptionFactors, decryptionProofs };
}

/**
 * Checks a partial decryption against the tally and the trustee's verification key X (already
 * checked at setup): same shape, every factor a group element, every proof valid.
 */
export async function verifyPartialDecryption(election: Election, tally: EncryptedTally, publicKey: bigint, decryption: PartialDecryption, crypto: VerifyCrypto): Promise<boolean> {
  const { group } = election;
  const shaped =
    decryption.decryptionFactors.length === tally.length &&
    decryption.decryptionProofs.length === tally.length &&
    tally.every((row, i) => decryption.decryptionFactors[i]!.length === row.length && decryption.decryptionProofs[i]!.length === row.length);
  if (!shaped) return false;
  if (!decryption.decryptionFactors.every((row) => row.every((factor) => isGroupElement(group, factor, crypto.modExp)))) return false;
  const hash = decryptHash(election, crypto.sha256, publicKey);
  for (const [i, row] of tally.entries()) {
    for (const [j, c] of row.entries()) {
      const factor = decryption.decryptionFactors[i]![j]!;
      if (!(await verifyDiscreteLog(group, [group.g, c.alpha], [publicKey, factor], decryption.decryptionProofs[i]![j]!, hash, crypto))) return false;
    }
  }
  return true;
}

export function serializePartialDecryption(decryption: PartialDecryption): string {
  return compactJson({
    decryption_factors: decryption.decryptionFactors,
    decryption_proofs: decryption.decryptionProofs.map((row) => row.map((proof) => ({ challenge: proof.challenge, response: proof.response }))),
  });
}

export function partialDecryptionFromJson(value: unknown): PartialDecryption {
  const json = readObject(value, 'partial_decryption');
  return {
    decryptionFactors: readList(field(json, 'decryption_factors', 'partial_decryption'), 'decryption_factors', (row, what) => readList(row, what, readBigInt)),
    decryptionProofs: readList(field(json, 'decryption_proofs', 'partial_decryption'), 'decryption_proofs', (row, what) => readList(row, what, readProof)),
  };
}

/** owned_partial_decryption: {owner, payload} with payload the SHA256 (hex) of the decryption text. */
export async function serializeOwnedPartialDecryption(owner: number, decryptionText: string, sha256: Sha256): Promise<string> {
  if (!Number.isSafeInteger(owner) || owner < 1) throw new BeleniosFormatError('owner must be a positive integer');
  return compactJson({ owner, payload: await sha256Hex(decryptionText, sha256) });
}
