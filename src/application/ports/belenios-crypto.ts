import type { FiniteFieldGroup, ModExp } from '../../domain/belenios/groups.js';
import type { Pbkdf2Sha256 } from '../../domain/belenios/credentials.js';
import type { Sha256 } from '../../domain/belenios/trustee-key.js';

/**
 * The primitives the Belenios code needs, injected: the domain's defaults are portable (BigInt,
 * WebCrypto) and run in browsers; the server gives OpenSSL's modular exponentiation (about 6x
 * faster) and node:crypto's CSPRNG. Adapter: src/infrastructure/crypto/node-belenios-crypto.ts.
 */
export interface BeleniosCrypto {
  readonly modExp: ModExp;
  readonly sha256: Sha256;
  readonly pbkdf2: Pbkdf2Sha256;
  /** A uniformly random member of Z_q. */
  randomExponent(group: FiniteFieldGroup): bigint;
  /** `count` uniformly random digits in [0, base). */
  randomDigits(count: number, base: number): number[];
}

export const BELENIOS_CRYPTO = Symbol.for('urne:BeleniosCrypto');
