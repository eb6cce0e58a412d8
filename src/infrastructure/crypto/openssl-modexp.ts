import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import type { ModExp } from '../../domain/belenios/groups.js';

/**
 * Modular exponentiation through OpenSSL: a Diffie-Hellman object computes peer^private mod p,
 * which is base^exponent mod modulus, about ten times faster than BigInt for 2048-bit moduli.
 * One object per modulus (there are two groups).
 *
 * OpenSSL 3 refuses some inputs, which must not send us to the slow BigInt fallback in the common
 * case (a BigInt exponentiation costs ten OpenSSL ones):
 * - a "public key" (base) outside 2..p-2: 0, 1 and p - 1 are answered here directly;
 * - a shared secret of 1 or p - 1 (SP 800-56A, 5.7.1.1). That is the answer of every membership
 *   check x^q = 1 of a valid element, so it is the common case when verifying ballots. Then
 *   base^(e-1) is computed instead (it is ±base^-1, which OpenSSL accepts since base is not ±1)
 *   and multiplied by base. OpenSSL only refuses after computing, so a refusal costs a whole
 *   exponentiation: exponents that were refused (q, for membership) go straight to e - 1 next time.
 * An even modulus, a negative or oversized base, or a refusal we do not expect go to `fallback`.
 */
export function opensslModExp(fallback: ModExp): ModExp {
  const engines = new Map<bigint, DiffieHellman>();
  // Exponents that gave 1 or p - 1 (in practice: the group orders q), per modulus; a few at most.
  const refused = new Map<bigint, Set<bigint>>();
  const engineFor = (modulus: bigint): DiffieHellman => {
    let engine = engines.get(modulus);
    if (!engine) {
      engine = createDiffieHellman(toBuffer(modulus), toBuffer(2n));
      engines.set(modulus, engine);
    }
    return engine;
  };
  return (base: bigint, exponent: bigint, modulus: bigint): bigint => {
    if (base < 0n || base >= modulus || exponent < 0n || (modulus & 1n) === 0n || modulus < 5n) return fallback(base, exponent, modulus);
    if (exponent === 0n || base === 1n) return 1n;
    if (base === 0n) return 0n;
    if (base === modulus - 1n) return (exponent & 1n) === 1n ? base : 1n;
    if (exponent === 1n) return base;
    const engine = engineFor(modulus);
    const baseBytes = toBuffer(base);
    const known = refused.get(modulus);
    if (!known?.has(exponent)) {
      const direct = power(engine, baseBytes, exponent);
      if (direct !== undefined) return direct;
      if (!known) refused.set(modulus, new Set([exponent]));
      else if (known.size < 16) known.add(exponent);
    }
    // base^e is 1 or p - 1, which OpenSSL will not return; base^(e-1) is neither (base is not ±1).
    const previous = power(engine, baseBytes, exponent - 1n);
    return previous === undefined ? fallback(base, exponent, modulus) : (previous * base) % modulus;
  };
}

/** peer^exponent, or undefined when OpenSSL refuses (see above). */
function power(engine: DiffieHellman, base: Buffer, exponent: bigint): bigint | undefined {
  engine.setPrivateKey(toBuffer(exponent));
  let secret: Buffer;
  try {
    secret = engine.computeSecret(base);
  } catch {
    return undefined;
  }
  return fromBuffer(secret);
}

/** Big-endian bytes (hex is the fastest way between BigInt and bytes in V8: below a microsecond for 2048 bits). */
export function toBuffer(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

export function fromBuffer(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}
