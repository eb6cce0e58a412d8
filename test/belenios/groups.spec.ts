import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { BELENIOS_2048, GROUPS, RFC_3526_2048, bigIntModExp, isExponent, isGroupElement } from '../../src/domain/belenios/groups.js';
import { opensslModExp } from '../../src/infrastructure/crypto/openssl-modexp.js';

const fast = opensslModExp(bigIntModExp);
const random = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString('hex')}`);

describe('the Belenios 2.0 groups (specification, section 5)', () => {
  it.each(Object.values(GROUPS))('$name: 2048-bit p, q divides p - 1, g has order q', (group) => {
    expect(group.p.toString(2)).toHaveLength(2048);
    expect((group.p - 1n) % group.q).toBe(0n);
    expect(group.g).not.toBe(1n);
    expect(fast(group.g, group.q, group.p)).toBe(1n);
  });

  it('BELENIOS-2048 has a 256-bit q; RFC-3526-2048 is the safe prime of RFC 3526 with g = 2 and an embedding', () => {
    expect(BELENIOS_2048.q.toString(2)).toHaveLength(256);
    expect(RFC_3526_2048.q).toBe((RFC_3526_2048.p - 1n) / 2n);
    // RFC 3526's 2048-bit prime: 2^2048 - 2^1984 - 1 + 2^64 * ( [2^1918 pi] + 124476 )
    expect(RFC_3526_2048.p.toString(16).slice(0, 16)).toBe('ffffffffffffffff');
    expect(RFC_3526_2048.p.toString(16).slice(-16)).toBe('ffffffffffffffff');
    expect(RFC_3526_2048.embedding).toEqual({ padding: 8, bitsPerInt: 8 });
  });
});

describe('modular exponentiation', () => {
  it('OpenSSL and BigInt agree on random 2048-bit bases with 256-bit and 2048-bit exponents', () => {
    for (const group of Object.values(GROUPS)) {
      for (let i = 0; i < 5; i++) {
        const base = random(256) % group.p;
        for (const exponent of [random(32), random(256), 0n, 1n]) {
          expect(fast(base, exponent, group.p)).toBe(bigIntModExp(base, exponent, group.p));
        }
      }
    }
  });

  it('handles the edge cases OpenSSL refuses (bases 0, 1 and p - 1)', () => {
    const { p } = BELENIOS_2048;
    expect(fast(0n, 5n, p)).toBe(0n);
    expect(fast(1n, 5n, p)).toBe(1n);
    expect(fast(p - 1n, 2n, p)).toBe(1n);
    expect(fast(p - 1n, 3n, p)).toBe(p - 1n);
  });
});

describe('group membership: every received element is checked', () => {
  const group = BELENIOS_2048;
  it('accepts powers of g', () => {
    expect(isGroupElement(group, fast(group.g, random(32) % group.q, group.p), fast)).toBe(true);
    expect(isGroupElement(group, 1n, fast)).toBe(true);
  });

  it('refuses 0, p, values above p, and elements outside the subgroup (p - 1 has order 2)', () => {
    for (const x of [0n, group.p, group.p + 5n, group.p - 1n, -3n]) expect(isGroupElement(group, x, fast)).toBe(false);
    // A random element of Z*p is almost never in a subgroup of order q ~ 2^256.
    expect(isGroupElement(group, 2n + (random(256) % (group.p - 3n)), fast)).toBe(false);
  });

  it('exponents live in Z_q', () => {
    expect(isExponent(group, 0n)).toBe(true);
    expect(isExponent(group, group.q - 1n)).toBe(true);
    expect(isExponent(group, group.q)).toBe(false);
    expect(isExponent(group, -1n)).toBe(false);
  });
});
