import type { FiniteFieldGroup, ModExp } from './groups.js';

/**
 * Exponential ElGamal over the election group (section 4.11.1): m is encrypted as
 * (alpha, beta) = (g^r, y^r g^m), so that multiplying ciphertexts adds plaintexts.
 */
export interface Ciphertext {
  readonly alpha: bigint;
  readonly beta: bigint;
}

/** g^m for the small m of votes: 0 and 1 need no exponentiation. */
export function gPower(group: FiniteFieldGroup, m: bigint, modExp: ModExp): bigint {
  if (m === 0n) return 1n;
  if (m === 1n) return group.g;
  return modExp(group.g, m, group.p);
}

/** Encrypts m with randomness r under the public key y (only g and y are exponentiated). */
export function encrypt(group: FiniteFieldGroup, y: bigint, m: bigint, r: bigint, modExp: ModExp): Ciphertext {
  return { alpha: modExp(group.g, r, group.p), beta: (modExp(y, r, group.p) * gPower(group, m, modExp)) % group.p };
}

/** The pointwise product: encrypts the sum of the plaintexts. */
export function multiply(group: FiniteFieldGroup, a: Ciphertext, b: Ciphertext): Ciphertext {
  return { alpha: (a.alpha * b.alpha) % group.p, beta: (a.beta * b.beta) % group.p };
}

/** c^w: encrypts w times the plaintext (weights in the tally). */
export function power(group: FiniteFieldGroup, c: Ciphertext, w: bigint, modExp: ModExp): Ciphertext {
  if (w === 1n) return c;
  return { alpha: modExp(c.alpha, w, group.p), beta: modExp(c.beta, w, group.p) };
}

/** The encryption of 0 with r = 0: the neutral element of `multiply`. */
export const NEUTRAL_CIPHERTEXT: Ciphertext = Object.freeze({ alpha: 1n, beta: 1n });

/** g^m = beta / alpha^x: decryption with the whole private key (tests, single-key elections). */
export function decryptToGroup(group: FiniteFieldGroup, x: bigint, c: Ciphertext, modExp: ModExp): bigint {
  return (c.beta * inverse(group, modExp(c.alpha, x, group.p))) % group.p;
}

/** The inverse in Z*p. */
export function inverse(group: FiniteFieldGroup, x: bigint): bigint {
  return invertMod(x, group.p);
}

const generatorInverses = new WeakMap<FiniteFieldGroup, bigint>();

/** g^-1, computed once per group: dividing by g^M is multiplying M times by it (M is small). */
export function generatorInverse(group: FiniteFieldGroup): bigint {
  let value = generatorInverses.get(group);
  if (value === undefined) {
    value = invertMod(group.g, group.p);
    generatorInverses.set(group, value);
  }
  return value;
}

/** Inverse modulo m (x and m coprime) by the extended Euclidean algorithm. */
export function invertMod(x: bigint, m: bigint): bigint {
  let [a, b] = [((x % m) + m) % m, m];
  let [u, v] = [1n, 0n];
  while (b !== 0n) {
    const t = a / b;
    [a, b] = [b, a - t * b];
    [u, v] = [v, u - t * v];
  }
  if (a !== 1n) throw new RangeError('not invertible');
  return ((u % m) + m) % m;
}

/**
 * A ModExp for bases used over and over (g, and the election key y): after a base's third use it
 * keeps, per window i and digit d, base^(d * 2^(w i)), so that base^e costs one multiplication
 * per w bits of e (32 for a 256-bit exponent with w = 8) instead of a full exponentiation. Other
 * bases, and exponents wider than `maxExponentBits`, go to `fallback`. Pure BigInt: browsers too.
 * `windowBits` (1 to 16, default 8) trades memory for speed: a row holds 2^w powers of 2048 bits
 * (w = 8: 32 rows of 256, 2 MB per base for 256-bit exponents; w = 10: 26 rows of 1,024, 7 MB).
 */
export function fixedBaseModExp(fallback: ModExp, options: { maxBases?: number; maxExponentBits?: number; windowBits?: number } = {}): ModExp {
  const maxBases = options.maxBases ?? 4;
  const maxExponentBits = options.maxExponentBits ?? 512;
  const windowBits = options.windowBits ?? 8;
  if (!Number.isInteger(windowBits) || windowBits < 1 || windowBits > 16) throw new RangeError('windowBits must be an integer from 1 to 16');
  const limit = 1n << BigInt(maxExponentBits);
  // Keyed by the numbers themselves (a Map compares bigints by value): no decimal conversion per call.
  const uses = new Map<bigint, Map<bigint, number>>();
  const tables = new Map<bigint, Map<bigint, bigint[][]>>();
  let tableCount = 0;
  let useCount = 0;
  return (base, exponent, modulus) => {
    if (exponent < 0n || exponent >= limit) return fallback(base, exponent, modulus);
    let table = tables.get(modulus)?.get(base);
    if (!table) {
      let counts = uses.get(modulus);
      if (!counts) uses.set(modulus, (counts = new Map()));
      const count = (counts.get(base) ?? 0) + 1;
      if (count === 1) useCount++;
      counts.set(base, count);
      if (count < 3) return fallback(base, exponent, modulus);
      if (tableCount >= maxBases) {
        tables.clear();
        tableCount = 0;
      }
      if (useCount > 64 * maxBases) {
        uses.clear();
        useCount = 0;
      }
      let byBase = tables.get(modulus);
      if (!byBase) tables.set(modulus, (byBase = new Map()));
      table = [];
      byBase.set(base, table);
      tableCount++;
    }
    return windowedPower(table, base % modulus, exponent, modulus, windowBits);
  };
}

/** Product over w-bit windows of precomputed powers; extends the table as wider exponents come. */
function windowedPower(table: bigint[][], base: bigint, exponent: bigint, modulus: bigint, windowBits: number): bigint {
  const shift = BigInt(windowBits);
  const mask = (1n << shift) - 1n;
  const digits = 1 << windowBits;
  let result = 1n;
  for (let i = 0, e = exponent; e > 0n; i++, e >>= shift) {
    if (table.length <= i) table.push(windowRow(i === 0 ? base : (table[i - 1]![digits - 1]! * table[i - 1]![1]!) % modulus, modulus, digits));
    const digit = Number(e & mask);
    if (digit !== 0) result = result === 1n ? table[i]![digit]! : (result * table[i]![digit]!) % modulus;
  }
  return result;
}

/** [1, b, b^2, ..., b^(digits-1)] for b = base^(2^(w i)). */
function windowRow(b: bigint, modulus: bigint, digits: number): bigint[] {
  const row: bigint[] = [1n, b];
  for (let d = 2; d < digits; d++) row.push((row[d - 1]! * b) % modulus);
  return row;
}
