import { DomainError } from '../shared/decider.js';
import { generatorInverse, invertMod } from './elgamal.js';
import type { FiniteFieldGroup, ModExp } from './groups.js';
import { compactJson, field, readList, readObject, readWeight, weightToJson } from './json.js';
import type { EncryptedTally } from './tally.js';

/**
 * The election result (Belenios 2.0, 4.19): decryption factors are combined per trustees item
 * ("Single": the factor itself; "Pedersen": a Lagrange combination of the t + 1 supplied shares),
 * multiplied into F[i][j], and result[i][j] = log_g(beta[i][j] / F[i][j]), at most the total weight.
 */
export type Factors = readonly (readonly bigint[])[];

/** For each item of the trustees structure, the factors already chosen (and verified). */
export type TrusteeFactors =
  | { readonly kind: 'Single'; readonly factors: Factors }
  /** `index` is the trustee's position (1-based) among the item's verification keys. */
  | { readonly kind: 'Pedersen'; readonly shares: readonly { readonly index: number; readonly factors: Factors }[] };

export type ElectionResult = readonly (readonly bigint[])[];

export class ResultError extends DomainError<'InvalidDecryptionShares' | 'ResultOutOfRange'> {}

/** lambda_delta^I = prod over k in I \ {delta} of k / (k - delta) mod q. */
export function lagrangeCoefficient(indexes: readonly number[], delta: number, q: bigint): bigint {
  let numerator = 1n;
  let denominator = 1n;
  for (const k of indexes) {
    if (k === delta) continue;
    numerator = (numerator * BigInt(k)) % q;
    denominator = (denominator * ((((BigInt(k) - BigInt(delta)) % q) + q) % q)) % q;
  }
  return (numerator * invertMod(denominator, q)) % q;
}

/** F[i][j] = prod over trustees items of their sub-factor. */
export function combineDecryptionFactors(group: FiniteFieldGroup, tally: EncryptedTally, items: readonly TrusteeFactors[], modExp: ModExp): bigint[][] {
  let combined = tally.map((row) => row.map(() => 1n));
  for (const item of items) {
    const sub = item.kind === 'Single' ? item.factors : pedersenSubFactors(group, tally, item.shares, modExp);
    checkShape(tally, sub);
    combined = combined.map((row, i) => row.map((f, j) => (f * sub[i]![j]!) % group.p));
  }
  return combined;
}

function pedersenSubFactors(group: FiniteFieldGroup, tally: EncryptedTally, shares: readonly { index: number; factors: Factors }[], modExp: ModExp): bigint[][] {
  const indexes = shares.map((share) => share.index);
  if (indexes.length === 0 || new Set(indexes).size !== indexes.length || !indexes.every((k) => Number.isSafeInteger(k) && k >= 1)) {
    throw new ResultError('InvalidDecryptionShares', 'a Pedersen item needs distinct positive trustee indexes');
  }
  let sub = tally.map((row) => row.map(() => 1n));
  for (const share of shares) {
    checkShape(tally, share.factors);
    const lambda = lagrangeCoefficient(indexes, share.index, group.q);
    sub = sub.map((row, i) => row.map((f, j) => (f * modExp(share.factors[i]![j]!, lambda, group.p)) % group.p));
  }
  return sub;
}

function checkShape(tally: EncryptedTally, factors: Factors): void {
  if (factors.length !== tally.length || !tally.every((row, i) => factors[i]!.length === row.length)) {
    throw new ResultError('InvalidDecryptionShares', 'decryption factors do not have the shape of the tally');
  }
}

/** result[i][j] = log_g(beta / F): discrete logarithms bounded by the total weight. */
export function decryptTally(group: FiniteFieldGroup, tally: EncryptedTally, combined: Factors, totalWeight: bigint, modExp: ModExp): bigint[][] {
  const log = discreteLogSolver(group, totalWeight, modExp);
  return tally.map((row, i) => row.map((c, j) => log((c.beta * invertMod(combined[i]![j]!, group.p)) % group.p)));
}

/**
 * Baby-step giant-step for log_g in [0, bound]: a table of g^0..g^(n-1), n = ceil(sqrt(bound+1)),
 * shared by all the ciphertexts, then at most n giant steps of g^-n each.
 */
export function discreteLogSolver(group: FiniteFieldGroup, bound: bigint, modExp: ModExp): (target: bigint) => bigint {
  const n = ceilSqrt(bound + 1n);
  const baby = new Map<bigint, bigint>();
  let power = 1n;
  for (let j = 0n; j < n; j++) {
    if (!baby.has(power)) baby.set(power, j);
    power = (power * group.g) % group.p;
  }
  const giant = modExp(generatorInverse(group), n, group.p);
  return (target) => {
    let current = target;
    for (let i = 0n; i <= n; i++) {
      const j = baby.get(current);
      if (j !== undefined && i * n + j <= bound) return i * n + j;
      current = (current * giant) % group.p;
    }
    throw new ResultError('ResultOutOfRange', `a count is not a discrete logarithm in [0, ${bound}]`);
  };
}

function ceilSqrt(value: bigint): bigint {
  if (value < 2n) return value;
  let x = BigInt(Math.ceil(Math.sqrt(Number(value))));
  while (x * x < value) x++;
  while ((x - 1n) * (x - 1n) >= value) x--;
  return x;
}

/**
 * Verifies a published result without discrete logarithms: beta = F * g^result for every
 * ciphertext, with every count in [0, total weight].
 */
export function verifyResult(group: FiniteFieldGroup, tally: EncryptedTally, combined: Factors, result: ElectionResult, totalWeight: bigint, modExp: ModExp): boolean {
  if (result.length !== tally.length || !tally.every((row, i) => result[i]!.length === row.length)) return false;
  return tally.every((row, i) =>
    row.every((c, j) => {
      const count = result[i]![j]!;
      return count >= 0n && count <= totalWeight && c.beta === (combined[i]![j]! * modExp(group.g, count, group.p)) % group.p;
    }),
  );
}

/** The result text: {"result": [[counts]]}, counts written as belenios-tool writes weights. */
export function serializeResult(result: ElectionResult): string {
  return compactJson({ result: result.map((row) => row.map(weightToJson)) });
}

export function resultFromJson(value: unknown): ElectionResult {
  const json = readObject(value, 'result');
  return readList(field(json, 'result', 'result'), 'result.result', (row, what) => readList(row, what, readWeight));
}
