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
 * keeps, per window i and digit d, base^(d * 2^(8i)), so that base^e costs one multiplication
 * per 8 bits of e (32 for a 256-bit exponent) instead of a full exponentiation. Other bases,
 * and exponents wider than `maxExponentBits`, go to `fallback`. Pure BigInt: browsers too.
 */
export function fixedBaseModExp(fallback: ModExp, options: { maxBases?: number; maxExponentBits?: number } = {}): ModExp {
  const maxBases = options.maxBases ?? 4;
  const maxExponentBits = options.maxExponentBits ?? 512;
  const uses = new Map<string, number>();
  const tables = new Map<string, bigint[][]>();
  return (base, exponent, modulus) => {
    if (exponent < 0n || exponent >= 1n << BigInt(maxExponentBits)) return fallback(base, exponent, modulus);
    const key = `${base}/${modulus}`;
    let table = tables.get(key);
    if (!table) {
      const count = (uses.get(key) ?? 0) + 1;
      uses.set(key, count);
      if (count < 3) return fallback(base, exponent, modulus);
      if (tables.size >= maxBases) tables.delete(tables.keys().next().value!);
      if (uses.size > 64 * maxBases) uses.clear();
      table = [];
      tables.set(key, table);
    }
    return windowedPower(table, base % modulus, exponent, modulus);
  };
}

const WINDOW = 8n;
const DIGITS = 256;

/** Product over 8-bit windows of precomputed powers; extends the table as wider exponents come. */
function windowedPower(table: bigint[][], base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  for (let i = 0, e = exponent; e > 0n; i++, e >>= WINDOW) {
    if (table.length <= i) table.push(windowRow(i === 0 ? base : (table[i - 1]![DIGITS - 1]! * table[i - 1]![1]!) % modulus, modulus));
    const digit = Number(e & 0xffn);
    if (digit !== 0) result = (result * table[i]![digit]!) % modulus;
  }
  return result;
}

/** [1, b, b^2, ..., b^255] for b = base^(2^(8i)). */
function windowRow(b: bigint, modulus: bigint): bigint[] {
  const row: bigint[] = [1n, b];
  for (let d = 2; d < DIGITS; d++) row.push((row[d - 1]! * b) % modulus);
  return row;
}
