import { describe, expect, it } from '@jest/globals';
import { DiffieHellman, randomBytes } from 'node:crypto';
import { verifyBallot } from '../../src/domain/belenios/ballot-verification.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits } from '../../src/domain/belenios/credentials.js';
import { parseElection } from '../../src/domain/belenios/election.js';
import { fixedBaseModExp } from '../../src/domain/belenios/elgamal.js';
import { BELENIOS_2048, RFC_3526_2048, bigIntModExp, isGroupElement, type ModExp } from '../../src/domain/belenios/groups.js';
import { nodeBeleniosCrypto, rememberingMembership } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { opensslModExp } from '../../src/infrastructure/crypto/openssl-modexp.js';

const random = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString('hex')}`);

function counting(modExp: ModExp): ModExp & { calls: number } {
  const counted = ((base: bigint, exponent: bigint, modulus: bigint) => {
    counted.calls++;
    return modExp(base, exponent, modulus);
  }) as ModExp & { calls: number };
  counted.calls = 0;
  return counted;
}

describe('the exponentiations of the verifier', () => {
  it('OpenSSL agrees with BigInt, including the results OpenSSL refuses to return (1 and p - 1)', () => {
    for (const group of [BELENIOS_2048, RFC_3526_2048]) {
      const { p, q, g } = group;
      const fallback = counting(bigIntModExp);
      const modExp = opensslModExp(fallback);
      const member = bigIntModExp(g, random(32) % q, p);
      const bases = [0n, 1n, 2n, g, member, p - 1n, p - 2n, random(256) % p];
      const exponents = [0n, 1n, 2n, 3n, q - 1n, q, q + 1n, 2n * q, p - 1n, random(32)];
      for (const base of bases) for (const exponent of exponents) expect([base, exponent, modExp(base, exponent, p)]).toEqual([base, exponent, bigIntModExp(base, exponent, p)]);
      // membership checks (x^q = 1, which OpenSSL refuses to return) never fall back to BigInt
      expect(fallback.calls).toBe(0);
      expect(isGroupElement(group, member, modExp)).toBe(true);
      expect(isGroupElement(group, p - member, modExp)).toBe(false);
      expect(fallback.calls).toBe(0);
    }
  });

  it('goes straight to x^(q-1) * x for an exponent OpenSSL refused before: one OpenSSL call per membership check', () => {
    const { p, q, g } = BELENIOS_2048;
    const proto = DiffieHellman.prototype as { computeSecret: (...args: unknown[]) => unknown };
    const original = proto.computeSecret;
    let calls = 0;
    proto.computeSecret = function (this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    };
    try {
      const modExp = opensslModExp(bigIntModExp);
      const members = Array.from({ length: 5 }, () => bigIntModExp(g, random(32) % q, p));
      expect(modExp(members[0]!, q, p)).toBe(1n);
      expect(calls).toBe(2); // refused (the secret is 1), then x^(q-1)
      calls = 0;
      for (const x of members) expect(modExp(x, q, p)).toBe(1n);
      expect(modExp(p - members[1]!, q, p)).toBe(p - 1n);
      expect(calls).toBe(6);
    } finally {
      proto.computeSecret = original;
    }
  });

  it('fixed-base tables give the same powers for every window size', () => {
    const { p, q, g } = BELENIOS_2048;
    const exponents = [0n, 1n, 255n, 256n, 1023n, 1024n, 65535n, q - 1n, random(32) % q, (1n << 300n) + 5n];
    for (const windowBits of [1, 5, 8, 10, 12]) {
      const fixed = fixedBaseModExp(bigIntModExp, { windowBits });
      for (const exponent of exponents) expect(fixed(g, exponent, p)).toBe(bigIntModExp(g, exponent, p));
    }
    expect(() => fixedBaseModExp(bigIntModExp, { windowBits: 17 })).toThrow(RangeError);
  });

  it('fixed-base tables keep at most maxBases bases and stay correct when they are dropped', () => {
    const { p, q, g } = BELENIOS_2048;
    const fixed = fixedBaseModExp(bigIntModExp, { maxBases: 2 });
    const bases = [g, bigIntModExp(g, 5n, p), bigIntModExp(g, 7n, p)];
    for (let round = 0; round < 4; round++) {
      for (const base of bases) {
        const exponent = random(32) % q;
        expect(fixed(base, exponent, p)).toBe(bigIntModExp(base, exponent, p));
      }
    }
  });

  it('remembers membership results of the groups, and nothing else', () => {
    const { p, q, g } = BELENIOS_2048;
    const inner = counting(opensslModExp(bigIntModExp));
    const modExp = rememberingMembership(inner, 2);
    const [a, b, c] = [g, bigIntModExp(g, 3n, p), bigIntModExp(g, 9n, p)];
    expect(modExp(a, q, p)).toBe(1n);
    expect(modExp(a, q, p)).toBe(1n);
    expect(inner.calls).toBe(1);
    expect(modExp(p - a, q, p)).toBe(bigIntModExp(p - a, q, p));
    modExp(b, q, p);
    modExp(c, q, p); // evicts a (size 2)
    modExp(a, q, p);
    expect(inner.calls).toBe(5);
    modExp(a, 5n, p);
    modExp(a, 5n, p);
    expect(inner.calls).toBe(7);
  });

  it('nodeBeleniosCrypto verifies what it makes, with and without fixed-base tables', async () => {
    const withTables = nodeBeleniosCrypto();
    const without = nodeBeleniosCrypto({ fixedBaseWindowBits: 0, membershipCacheSize: 0 });
    expect(withTables.fixedBase).toBeDefined();
    expect(without.fixedBase).toBeUndefined();
    const { p, q, g } = BELENIOS_2048;
    const text = JSON.stringify({
      version: 1,
      description: 'd',
      name: 'n',
      group: 'BELENIOS-2048',
      public_key: bigIntModExp(g, random(32) % q, p).toString(),
      questions: [{ answers: ['a', 'b', 'c', 'd', 'e'], blank: true, min: 1, max: 1, question: 'q' }],
      uuid: 'sxSxEBirnRuWr1',
    });
    const election = await parseElection(text, withTables.sha256);
    for (let i = 0; i < 4; i++) {
      const made = await createBallot(election, credentialFromDigits(Array.from(randomBytes(14), (x) => x % 58)), [[0, 0, 0, 1, 0, 0]], i % 2 ? withTables : without);
      const a = await verifyBallot(election, made.text, withTables);
      const b = await verifyBallot(election, made.text, without);
      expect(a).toEqual(b);
      expect(a.ok).toBe(true);
    }
  });
});
