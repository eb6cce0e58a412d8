import { createHash, pbkdf2 as nodePbkdf2, randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import type { BeleniosCrypto } from '../../application/ports/belenios-crypto.js';
import { fixedBaseModExp } from '../../domain/belenios/elgamal.js';
import { GROUPS, bigIntModExp, type ModExp } from '../../domain/belenios/groups.js';
import { opensslModExp } from './openssl-modexp.js';

const pbkdf2 = promisify(nodePbkdf2);

export interface NodeBeleniosCryptoOptions {
  /**
   * Window of the fixed-base tables for g and y (see fixedBaseModExp): 10 bits by default, about
   * 7 MB per base (g and each election key in use, 4 at most) and 0.1 s to build, for about twice
   * fewer multiplications than OpenSSL's exponentiation; 0 disables them.
   */
  readonly fixedBaseWindowBits?: number;
  /** Membership results (x^q mod p) remembered, for elements seen again (revotes' credentials). */
  readonly membershipCacheSize?: number;
}

/**
 * Belenios primitives on Node: OpenSSL for modular exponentiation, node:crypto for hashes (no
 * WebCrypto round trip per hash) and PBKDF2 (on libuv's thread pool: credentials for 20,000
 * voters are derived in parallel), and the CSPRNG. `fixedBase` serves g and y from tables (see
 * proofs.ts: Exponentiation), and membership checks x^q are remembered for repeated elements.
 */
export function nodeBeleniosCrypto(options: NodeBeleniosCryptoOptions = {}): BeleniosCrypto & { readonly fixedBase?: ModExp } {
  const modExp = rememberingMembership(opensslModExp(bigIntModExp), options.membershipCacheSize ?? 4096);
  const windowBits = options.fixedBaseWindowBits ?? 10;
  return {
    modExp,
    ...(windowBits > 0 ? { fixedBase: fixedBaseModExp(modExp, { windowBits, maxBases: 4, maxExponentBits: 512 }) } : {}),
    sha256: async (message) => new Uint8Array(createHash('sha256').update(message, 'utf8').digest()),
    pbkdf2: async (password, salt, iterations) => new Uint8Array(await pbkdf2(password, salt, iterations, 32, 'sha256')),
    randomExponent: (group) => {
      // 128 extra bits make the bias of the reduction negligible (< 2^-128).
      const bytes = Math.ceil(group.q.toString(2).length / 8) + 16;
      return BigInt(`0x${randomBytes(bytes).toString('hex')}`) % group.q;
    },
    randomDigits: (count, base) => Array.from({ length: count }, () => randomInt(base)),
  };
}

/**
 * Remembers x^q mod p (the membership check of isGroupElement) for the groups' (p, q), the most
 * recent `size` bases: a revote's credential, or a ballot verified again, costs no exponentiation.
 */
export function rememberingMembership(modExp: ModExp, size: number): ModExp {
  if (size <= 0) return modExp;
  const orders = new Map(Object.values(GROUPS).map((group) => [group.p, group.q]));
  const memo = new Map<bigint, Map<bigint, bigint>>();
  return (base, exponent, modulus) => {
    if (orders.get(modulus) !== exponent) return modExp(base, exponent, modulus);
    let results = memo.get(modulus);
    if (!results) memo.set(modulus, (results = new Map()));
    const known = results.get(base);
    if (known !== undefined) return known;
    const value = modExp(base, exponent, modulus);
    if (results.size >= size) results.delete(results.keys().next().value!);
    results.set(base, value);
    return value;
  };
}
