import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import type { ModExp } from '../../domain/belenios/groups.js';

/**
 * Modular exponentiation through OpenSSL: a Diffie-Hellman object computes peer^private mod p,
 * which is base^exponent mod modulus, about ten times faster than BigInt for 2048-bit moduli.
 * One object per modulus (there are two groups). Inputs OpenSSL's Diffie-Hellman refuses (an
 * exponent of 0, a base of 0, 1 or p - 1, an even modulus) go to the fallback.
 */
export function opensslModExp(fallback: ModExp): ModExp {
  const engines = new Map<bigint, DiffieHellman>();
  return (base: bigint, exponent: bigint, modulus: bigint): bigint => {
    if (exponent === 0n || base <= 1n || base >= modulus || (modulus & 1n) === 0n) return fallback(base, exponent, modulus);
    let engine = engines.get(modulus);
    if (!engine) {
      engine = createDiffieHellman(toBuffer(modulus), toBuffer(2n));
      engines.set(modulus, engine);
    }
    engine.setPrivateKey(toBuffer(exponent));
    let secret: string;
    try {
      secret = engine.computeSecret(toBuffer(base)).toString('hex');
    } catch {
      // OpenSSL refuses "public keys" it deems weak (p - 1, for one): compute those the slow way.
      return fallback(base, exponent, modulus);
    }
    return secret === '' ? 0n : BigInt(`0x${secret}`);
  };
}

function toBuffer(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}
