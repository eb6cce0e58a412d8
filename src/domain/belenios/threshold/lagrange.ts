import type { FiniteFieldGroup, ModExp } from '../groups.js';
import { mod } from './json.js';

/**
 * Lagrange interpolation at 0 for threshold decryption: with the shares of the trustees whose
 * indexes (1-based, in the order of the certificates) are `indexes`, the coefficient of trustee
 * `delta` is prod_{k != delta} k / (k - delta) mod q.
 */
export function lagrangeCoefficient(indexes: readonly number[], delta: number, q: bigint): bigint {
  if (!indexes.includes(delta)) throw new RangeError(`${delta} is not among the indexes`);
  if (new Set(indexes).size !== indexes.length) throw new RangeError('the indexes must be distinct');
  let numerator = 1n;
  let denominator = 1n;
  for (const k of indexes) {
    if (!Number.isSafeInteger(k) || k < 1) throw new RangeError('indexes are positive integers');
    if (k === delta) continue;
    numerator = (numerator * BigInt(k)) % q;
    denominator = mod(denominator * BigInt(k - delta), q);
  }
  return (numerator * modInverse(denominator, q)) % q;
}

/**
 * Combines decryption factors of a threshold group: prod_j factor_j^(lambda_j) mod p, the factor
 * the whole group's key would give (alpha^(sum_j lambda_j S_j) = alpha^(f(0))).
 */
export function combineShares(group: FiniteFieldGroup, shares: readonly { readonly index: number; readonly factor: bigint }[], modExp: ModExp): bigint {
  const indexes = shares.map((s) => s.index);
  return shares.reduce((product, share) => (product * modExp(share.factor, lagrangeCoefficient(indexes, share.index, group.q), group.p)) % group.p, 1n);
}

/** a^-1 mod m (m prime, a not a multiple of m), by the extended Euclidean algorithm. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}
