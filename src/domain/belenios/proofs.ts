import { generatorInverse, type Ciphertext } from './elgamal.js';
import { isExponent, type FiniteFieldGroup, type ModExp } from './groups.js';
import type { Sha256 } from './trustee-key.js';

/**
 * Zero-knowledge proofs of Belenios 2.0: interval membership (4.12), possibly-blank votes (4.13),
 * and the Schnorr-style proofs of signatures (4.14) and decryption factors (4.18).
 *
 * The three proofs of 4.12 and 4.13 are one construction: a disjunctive ("one of these") proof
 * that, for one of the claims (alpha_j, beta_j), beta_j = alpha_j^x with alpha_j = g^r, i.e. the
 * pair encrypts 0 once the claimed plaintext is divided out of beta. They differ only in the claims
 * and in the hashed string, so `proveOneOf` / `verifyOneOf` take both.
 */
export interface Proof {
  readonly challenge: bigint;
  readonly response: bigint;
}

/** The injected exponentiations: `fixedBase`, when given, serves the bases reused all along (g, y). */
export interface Exponentiation {
  readonly modExp: ModExp;
  /** Same contract as modExp, for g and y only; it may keep tables (see fixedBaseModExp). */
  readonly fixedBase?: ModExp;
}

export interface VerifyCrypto extends Exponentiation {
  readonly sha256: Sha256;
}

/** The exponentiation for g and y. */
export function fixedBasePower(crypto: Exponentiation): ModExp {
  return crypto.fixedBase ?? crypto.modExp;
}

export interface ProveCrypto extends VerifyCrypto {
  /** A uniformly random exponent in Z_q (from a CSPRNG). */
  readonly randomExponent: (group: FiniteFieldGroup) => bigint;
}

/** SHA256(prefix|part1|part2|...) read as a 256-bit big-endian number, mod q. */
export async function hashToZq(group: FiniteFieldGroup, sha256: Sha256, prefix: string, ...parts: readonly string[]): Promise<bigint> {
  const digest = await sha256([prefix, ...parts].join('|'));
  let value = 0n;
  for (const byte of digest) value = (value << 8n) | BigInt(byte);
  return value % group.q;
}

export function mod(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

/** A pair that encrypts 0 under y when the claim holds: alpha = g^r, beta = y^r. */
export interface ZeroClaim {
  readonly alpha: bigint;
  readonly beta: bigint;
}

/** Hashes the commitments A0, B0, ..., Ak, Bk (with whatever else the proof binds) into Z_q. */
export type CommitmentHash = (commitments: readonly bigint[]) => Promise<bigint>;

/** The commitments of a simulated or checked branch: A = g^s alpha^c, B = y^s beta^c. */
function branchCommitments(group: FiniteFieldGroup, y: bigint, claim: ZeroClaim, proof: Proof, crypto: Exponentiation): [bigint, bigint] {
  const { p } = group;
  const [fixed, modExp] = [fixedBasePower(crypto), crypto.modExp];
  return [
    (fixed(group.g, proof.response, p) * modExp(claim.alpha, proof.challenge, p)) % p,
    (fixed(y, proof.response, p) * modExp(claim.beta, proof.challenge, p)) % p,
  ];
}

/**
 * Proves that claims[trueIndex] = (g^r, y^r): the other branches are simulated with random
 * challenges and responses; the true one gets the hash minus their challenges.
 */
export async function proveOneOf(
  group: FiniteFieldGroup,
  y: bigint,
  claims: readonly ZeroClaim[],
  trueIndex: number,
  r: bigint,
  hash: CommitmentHash,
  crypto: ProveCrypto,
): Promise<Proof[]> {
  if (trueIndex < 0 || trueIndex >= claims.length) throw new RangeError('the true claim must be one of the claims');
  const { p, q } = group;
  const proofs: Proof[] = [];
  const commitments: bigint[] = [];
  const w = crypto.randomExponent(group);
  for (const [j, claim] of claims.entries()) {
    if (j === trueIndex) {
      proofs.push({ challenge: 0n, response: 0n });
      commitments.push(fixedBasePower(crypto)(group.g, w, p), fixedBasePower(crypto)(y, w, p));
    } else {
      const simulated = { challenge: crypto.randomExponent(group), response: crypto.randomExponent(group) };
      proofs.push(simulated);
      commitments.push(...branchCommitments(group, y, claim, simulated, crypto));
    }
  }
  const others = proofs.reduce((sum, proof) => sum + proof.challenge, 0n);
  const challenge = mod((await hash(commitments)) - others, q);
  proofs[trueIndex] = { challenge, response: mod(w - r * challenge, q) };
  return proofs;
}

/** Checks a disjunctive proof: every number in Z_q, and the challenges add up to the hash. */
export async function verifyOneOf(
  group: FiniteFieldGroup,
  y: bigint,
  claims: readonly ZeroClaim[],
  proofs: readonly Proof[],
  hash: CommitmentHash,
  crypto: Exponentiation,
): Promise<boolean> {
  if (proofs.length !== claims.length) return false;
  if (!proofs.every((proof) => isExponent(group, proof.challenge) && isExponent(group, proof.response))) return false;
  const commitments = claims.flatMap((claim, j) => branchCommitments(group, y, claim, proofs[j]!, crypto));
  const sum = proofs.reduce((total, proof) => total + proof.challenge, 0n);
  return (await hash(commitments)) === sum % group.q;
}

/** (alpha, beta / g^M) for each M of an ascending list: the claims of an interval proof. */
export function intervalClaims(group: FiniteFieldGroup, c: Ciphertext, values: readonly bigint[]): ZeroClaim[] {
  const gInverse = generatorInverse(group);
  let beta = c.beta;
  let at = 0n;
  return values.map((value) => {
    if (value < at) throw new RangeError('interval values must be ascending and non-negative');
    // the values are small (at most the number of answers): multiply rather than exponentiate
    for (; at < value; at++) beta = (beta * gInverse) % group.p;
    return { alpha: c.alpha, beta };
  });
}

/** min, min + 1, ..., max as bigints. */
export function range(min: number, max: number): bigint[] {
  return Array.from({ length: max - min + 1 }, (_, k) => BigInt(min + k));
}

const numbers = (values: readonly bigint[]) => values.join(',');

/** Hiprove(S, alpha, beta, A0, B0, ...) = SHA256(prove|S|alpha,beta|A0,B0,...,Ak,Bk) mod q. */
function iproveHash(group: FiniteFieldGroup, sha256: Sha256, s: string, c: Ciphertext): CommitmentHash {
  return (commitments) => hashToZq(group, sha256, 'prove', s, `${c.alpha},${c.beta}`, numbers(commitments));
}

/** iprove(S, r, i, M0..Mk) of 4.12: c = (g^r, y^r g^(values[index])). */
export function iprove(group: FiniteFieldGroup, y: bigint, s: string, c: Ciphertext, r: bigint, index: number, values: readonly bigint[], crypto: ProveCrypto): Promise<Proof[]> {
  return proveOneOf(group, y, intervalClaims(group, c, values), index, r, iproveHash(group, crypto.sha256, s, c), crypto);
}

/** Verifies an interval proof of c's plaintext being one of `values`. */
export function verifyIproof(group: FiniteFieldGroup, y: bigint, s: string, c: Ciphertext, values: readonly bigint[], proofs: readonly Proof[], crypto: VerifyCrypto): Promise<boolean> {
  return verifyOneOf(group, y, intervalClaims(group, c, values), proofs, iproveHash(group, crypto.sha256, s, c), crypto);
}

/** The claims of blank_proof (m0 = 0 or mSigma = 0): [(alpha0, beta0), (alphaSigma, betaSigma)]. */
function blankClaims(blank: Ciphertext, sum: Ciphertext): ZeroClaim[] {
  return [blank, sum];
}

/** The claims of overall_proof with blank (m0 = 1 or mSigma in [min..max]). */
function overallBlankClaims(group: FiniteFieldGroup, blank: Ciphertext, sum: Ciphertext, min: number, max: number): ZeroClaim[] {
  return [intervalClaims(group, blank, [1n])[0]!, ...intervalClaims(group, sum, range(min, max))];
}

const bproofHash =
  (group: FiniteFieldGroup, sha256: Sha256, prefix: 'bproof0' | 'bproof1', s: string): CommitmentHash =>
  (commitments) =>
    hashToZq(group, sha256, prefix, s, numbers(commitments));

/** What a blank-allowed answer proves: the blank ciphertext and the product of the others. */
export interface BlankStatement {
  readonly s: string;
  readonly blank: Ciphertext;
  readonly sum: Ciphertext;
  readonly min: number;
  readonly max: number;
}

/** The secrets of a blank-allowed answer: r0, rSigma, and mSigma (0 for a blank vote). */
export interface BlankWitness {
  readonly isBlank: boolean;
  readonly blankRandomness: bigint;
  readonly sumRandomness: bigint;
  readonly selected: number;
}

/** blank_proof (4.13.1 / 4.13.2): (pi0, piSigma); the true branch is the one encrypting 0. */
export function proveBlank(group: FiniteFieldGroup, y: bigint, statement: BlankStatement, witness: BlankWitness, crypto: ProveCrypto): Promise<Proof[]> {
  const [trueIndex, r] = witness.isBlank ? [1, witness.sumRandomness] : [0, witness.blankRandomness];
  return proveOneOf(group, y, blankClaims(statement.blank, statement.sum), trueIndex, r, bproofHash(group, crypto.sha256, 'bproof0', statement.s), crypto);
}

/** overall_proof with blank (4.13): (pi0, pi1..pik); pi0 is true for a blank vote. */
export function proveOverallBlank(group: FiniteFieldGroup, y: bigint, statement: BlankStatement, witness: BlankWitness, crypto: ProveCrypto): Promise<Proof[]> {
  const claims = overallBlankClaims(group, statement.blank, statement.sum, statement.min, statement.max);
  const [trueIndex, r] = witness.isBlank ? [0, witness.blankRandomness] : [1 + witness.selected - statement.min, witness.sumRandomness];
  return proveOneOf(group, y, claims, trueIndex, r, bproofHash(group, crypto.sha256, 'bproof1', statement.s), crypto);
}

export function verifyBlankProof(group: FiniteFieldGroup, y: bigint, statement: BlankStatement, proofs: readonly Proof[], crypto: VerifyCrypto): Promise<boolean> {
  return verifyOneOf(group, y, blankClaims(statement.blank, statement.sum), proofs, bproofHash(group, crypto.sha256, 'bproof0', statement.s), crypto);
}

export function verifyOverallBlankProof(group: FiniteFieldGroup, y: bigint, statement: BlankStatement, proofs: readonly Proof[], crypto: VerifyCrypto): Promise<boolean> {
  const claims = overallBlankClaims(group, statement.blank, statement.sum, statement.min, statement.max);
  return verifyOneOf(group, y, claims, proofs, bproofHash(group, crypto.sha256, 'bproof1', statement.s), crypto);
}

/**
 * Schnorr-style proof of knowledge of x with images_i = bases_i^x for every i (one base: a
 * signature; two: a decryption factor). Commitments are bases_i^w.
 */
export async function proveDiscreteLog(group: FiniteFieldGroup, x: bigint, bases: readonly bigint[], hash: CommitmentHash, crypto: ProveCrypto): Promise<Proof> {
  const w = crypto.randomExponent(group);
  const challenge = await hash(bases.map((base) => powerOf(crypto, group, base)(base, w, group.p)));
  return { challenge, response: mod(w - x * challenge, group.q) };
}

/** Recomputes bases_i^response * images_i^challenge and checks the hash. */
export async function verifyDiscreteLog(group: FiniteFieldGroup, bases: readonly bigint[], images: readonly bigint[], proof: Proof, hash: CommitmentHash, crypto: Exponentiation): Promise<boolean> {
  if (!isExponent(group, proof.challenge) || !isExponent(group, proof.response)) return false;
  const { p } = group;
  const commitments = bases.map((base, i) => (powerOf(crypto, group, base)(base, proof.response, p) * crypto.modExp(images[i]!, proof.challenge, p)) % p);
  return (await hash(commitments)) === proof.challenge;
}

/** The fixed-base exponentiation for g, the general one for any other base. */
function powerOf(crypto: Exponentiation, group: FiniteFieldGroup, base: bigint): ModExp {
  return base === group.g ? fixedBasePower(crypto) : crypto.modExp;
}

/** Hsignature(H, A) = SHA256(sig|H|A) mod q (4.14). */
export const signatureHash =
  (group: FiniteFieldGroup, sha256: Sha256, ballotHash: string): CommitmentHash =>
  ([a]) =>
    hashToZq(group, sha256, 'sig', ballotHash, String(a));

/** Signs the ballot hash with the credential's secret s (4.14). */
export function signBallotHash(group: FiniteFieldGroup, secret: bigint, ballotHash: string, crypto: ProveCrypto): Promise<Proof> {
  return proveDiscreteLog(group, secret, [group.g], signatureHash(group, crypto.sha256, ballotHash), crypto);
}

/** Verifies a ballot signature against the public credential S = g^s. */
export function verifyBallotSignature(group: FiniteFieldGroup, credential: bigint, ballotHash: string, proof: Proof, crypto: VerifyCrypto): Promise<boolean> {
  return verifyDiscreteLog(group, [group.g], [credential], proof, signatureHash(group, crypto.sha256, ballotHash), crypto);
}
