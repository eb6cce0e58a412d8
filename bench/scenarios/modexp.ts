/**
 * modexp: 2048-bit modular exponentiation, the cost that dominates Belenios ballots and proofs.
 * OpenSSL (through node:crypto, as the server uses it) against plain BigInt (as a browser runs it),
 * on the same random bases and exponents, with 256-bit exponents (BELENIOS-2048's q) and full
 * 2048-bit ones (RFC-3526-2048's q).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BELENIOS_2048, RFC_3526_2048, bigIntModExp, type ModExp } from '../../src/domain/belenios/groups.js';
import { opensslModExp } from '../../src/infrastructure/crypto/openssl-modexp.js';
import { scaled, scenario } from '../lib/scenario.js';

const random = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString('hex')}`);

function opsPerSecond(modExp: ModExp, inputs: Array<[bigint, bigint]>, modulus: bigint): number {
  let check = 0n;
  const start = performance.now();
  for (const [base, exponent] of inputs) check ^= modExp(base, exponent, modulus);
  const seconds = (performance.now() - start) / 1000;
  if (check === -1n) throw new Error('unreachable: keeps the results alive');
  return inputs.length / seconds;
}

scenario(async (context) => {
  const count = scaled(context, 400);
  const short = Array.from({ length: count }, () => [random(256) % BELENIOS_2048.p, random(32)] as [bigint, bigint]);
  const long = Array.from({ length: Math.max(10, Math.floor(count / 8)) }, () => [random(256) % RFC_3526_2048.p, random(256) % RFC_3526_2048.q] as [bigint, bigint]);
  const openssl = opensslModExp(bigIntModExp);
  // Same answers, or the comparison means nothing.
  for (const [base, exponent] of short.slice(0, 5)) {
    if (openssl(base, exponent, BELENIOS_2048.p) !== bigIntModExp(base, exponent, BELENIOS_2048.p)) throw new Error('OpenSSL and BigInt disagree');
  }
  const fastShort = opsPerSecond(openssl, short, BELENIOS_2048.p);
  const slowShort = opsPerSecond(bigIntModExp, short, BELENIOS_2048.p);
  const fastLong = opsPerSecond(openssl, long, RFC_3526_2048.p);
  const slowLong = opsPerSecond(bigIntModExp, long, RFC_3526_2048.p);
  return {
    figures: [
      { name: 'modexp: 2048-bit modulus, 256-bit exponent, OpenSSL', value: fastShort, unit: 'modexp/s', baseline: slowShort },
      { name: 'modexp: 2048-bit modulus, 2048-bit exponent, OpenSSL', value: fastLong, unit: 'modexp/s', baseline: slowLong },
    ],
  };
});
