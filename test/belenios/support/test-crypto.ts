import { randomBytes } from 'node:crypto';
import type { BoothCrypto } from '../../../src/domain/belenios/booth.js';
import { webCryptoPbkdf2 } from '../../../src/domain/belenios/credentials.js';
import { fixedBaseModExp } from '../../../src/domain/belenios/elgamal.js';
import { bigIntModExp, type FiniteFieldGroup } from '../../../src/domain/belenios/groups.js';
import { webCryptoSha256 } from '../../../src/domain/belenios/trustee-key.js';
import { opensslModExp } from '../../../src/infrastructure/crypto/openssl-modexp.js';

/** The Belenios primitives the crypto suites use: OpenSSL and fixed-base tables for speed, WebCrypto hashes. */
export const randomExponent = (group: FiniteFieldGroup) => BigInt(`0x${randomBytes(40).toString('hex')}`) % group.q;
export const modExp = opensslModExp(bigIntModExp);
export const crypto: BoothCrypto = { modExp, fixedBase: fixedBaseModExp(modExp), sha256: webCryptoSha256, randomExponent, pbkdf2: webCryptoPbkdf2 };

/** One question with blank (one of five) and one without (up to two of three). */
export const QUESTIONS = [
  { question: 'Pick one', answers: ['a', 'b', 'c', 'd', 'e'], min: 1, max: 1, blank: true },
  { question: 'Pick up to two', answers: ['x', 'y', 'z'], min: 0, max: 2 },
];
