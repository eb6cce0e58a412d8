import { type FiniteFieldGroup, type ModExp } from './groups.js';

/**
 * Voter credentials, Belenios 2.0 specification section 4.8. The private credential (our "access
 * code") is 15 base-58 characters, usually written XXX-XXX-XXX-XXX-XXX: 14 random ones and a
 * checksum that catches typing errors. The secret exponent is PBKDF2-HMAC-SHA256(credential,
 * salt = election uuid, 1,000 iterations, one 32-byte block) mod q; the public credential is g^s.
 */

export const CREDENTIAL_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DASHED = /^[1-9A-HJ-NP-Za-km-z]{3}(-[1-9A-HJ-NP-Za-km-z]{3}){4}$/;
const PLAIN = /^[1-9A-HJ-NP-Za-km-z]{15}$/;

/** PBKDF2-HMAC-SHA256 with one 32-byte output block: injected, as WebCrypto is asynchronous. */
export type Pbkdf2Sha256 = (password: string, salt: string, iterations: number) => Promise<Uint8Array>;

/** WebCrypto's PBKDF2, in browsers and in Node alike. */
export const webCryptoPbkdf2: Pbkdf2Sha256 = async (password, salt, iterations) => {
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await globalThis.crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: encoder.encode(salt), iterations }, key, 256);
  return new Uint8Array(bits);
};

export type CredentialCheck = { valid: true } | { valid: false; reason: 'format' | 'checksum' };

/** Whether a typed credential is well formed and its checksum matches (before any lookup). */
export function checkCredential(credential: string): CredentialCheck {
  if (!DASHED.test(credential) && !PLAIN.test(credential)) return { valid: false, reason: 'format' };
  const digits = credential.replace(/-/g, '');
  return digits[14] === checksumOf(digits.slice(0, 14)) ? { valid: true } : { valid: false, reason: 'checksum' };
}

/** Makes a credential from 14 random base-58 digit values (0..57 each), in the dashed form. */
export function credentialFromDigits(digits: readonly number[]): string {
  if (digits.length !== 14 || digits.some((d) => !Number.isInteger(d) || d < 0 || d > 57)) throw new RangeError('a credential needs 14 digits from 0 to 57');
  const body = digits.map((d) => CREDENTIAL_ALPHABET[d]).join('');
  const all = body + checksumOf(body);
  return all.match(/.{3}/g)!.join('-');
}

/** The secret exponent s = secret(c). */
export async function credentialSecret(group: FiniteFieldGroup, credential: string, electionUuid: string, pbkdf2: Pbkdf2Sha256): Promise<bigint> {
  const block = await pbkdf2(credential, electionUuid, 1000);
  let value = 0n;
  for (const byte of block) value = (value << 8n) | BigInt(byte);
  return value % group.q;
}

/** The public credential g^secret(c), as the credential authority hands it to the election. */
export async function publicCredential(group: FiniteFieldGroup, credential: string, electionUuid: string, pbkdf2: Pbkdf2Sha256, modExp: ModExp): Promise<bigint> {
  return modExp(group.g, await credentialSecret(group, credential, electionUuid, pbkdf2), group.p);
}

function checksumOf(fourteen: string): string {
  let value = 0n;
  for (const char of fourteen) value = value * 58n + BigInt(CREDENTIAL_ALPHABET.indexOf(char));
  return CREDENTIAL_ALPHABET[Number(53n - (value % 53n))]!;
}
