import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/** AES-256-GCM with a 96-bit IV and a 128-bit tag: the one cipher of the vault. */
const CIPHER = 'aes-256-gcm';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** Sealed personal data is authenticated with this prefix followed by the subject. */
export const SEAL_AAD_PREFIX = 'urne/personal-data/v1\u0000';
/** A wrapped data key is authenticated with this prefix followed by the subject. */
export const WRAP_AAD_PREFIX = 'urne/data-key/v1\u0000';
/** Format byte heading a wrapped key in keys.sqlite: 1 = AES-256-GCM under the wrapping key. */
export const WRAPPED_KEY_FORMAT = 1;
/** 1 format byte, the IV, the encrypted 32-byte key, the tag. */
export const WRAPPED_KEY_BYTES = 1 + IV_BYTES + KEY_BYTES + TAG_BYTES;
/** Plaintext is padded with JSON whitespace to a multiple of this, so ciphertexts hide exact lengths. */
export const PADDING_BLOCK = 32;

/**
 * Cryptographically random bytes, drawn from a pool refilled 4 KiB at a time: one OpenSSL call
 * per ~100 seals instead of two per seal. Every draw is a fresh copy; a used slice is zeroed.
 */
export class RandomPool {
  private readonly pool = Buffer.alloc(4096);
  private offset = this.pool.length;

  take(length: number): Buffer {
    if (this.offset + length > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const slice = this.pool.subarray(this.offset, this.offset + length);
    const copy = Buffer.from(slice);
    slice.fill(0);
    this.offset += length;
    return copy;
  }
}

/** The ciphertext followed by the tag. */
export function encrypt(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, tail, cipher.getAuthTag()]);
}

/** The plaintext, or null when authentication fails (wrong key, wrong AAD, altered bytes). */
export function decrypt(key: Buffer, iv: Buffer, ciphertextAndTag: Buffer, aad: Buffer): Buffer | null {
  if (ciphertextAndTag.length < TAG_BYTES) return null;
  const split = ciphertextAndTag.length - TAG_BYTES;
  const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertextAndTag.subarray(split));
  const head = decipher.update(ciphertextAndTag.subarray(0, split));
  try {
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    head.fill(0);
    return null;
  }
}

export function aad(prefix: string, subject: string): Buffer {
  return Buffer.from(prefix + subject, 'utf8');
}

/** `format ‖ iv ‖ E(wrappingKey, dataKey, aad = WRAP_AAD_PREFIX ‖ subject) ‖ tag`. */
export function wrapDataKey(wrappingKey: Buffer, dataKey: Buffer, subject: string, iv: Buffer): Buffer {
  const sealed = encrypt(wrappingKey, iv, dataKey, aad(WRAP_AAD_PREFIX, subject));
  return Buffer.concat([Buffer.of(WRAPPED_KEY_FORMAT), iv, sealed]);
}

/** The data key, or null when the wrapping key (or subject) is not the one it was wrapped with. */
export function unwrapDataKey(wrappingKey: Buffer, wrapped: Buffer, subject: string): Buffer | null {
  if (wrapped.length !== WRAPPED_KEY_BYTES || wrapped[0] !== WRAPPED_KEY_FORMAT) return null;
  const key = decrypt(wrappingKey, wrapped.subarray(1, 1 + IV_BYTES), wrapped.subarray(1 + IV_BYTES), aad(WRAP_AAD_PREFIX, subject));
  return key !== null && key.length === KEY_BYTES ? key : null;
}

/** JSON of the fields, padded with spaces (valid JSON whitespace) to a multiple of PADDING_BLOCK bytes. */
export function encodeFields(fields: Readonly<Record<string, string>>): Buffer {
  const json = JSON.stringify(fields);
  const length = Buffer.byteLength(json, 'utf8');
  const padded = Buffer.alloc(Math.max(PADDING_BLOCK, Math.ceil(length / PADDING_BLOCK) * PADDING_BLOCK), 0x20);
  padded.write(json, 0, 'utf8');
  return padded;
}

/** The fields back, or null if the bytes are not a JSON object of strings. */
export function decodeFields(plaintext: Buffer): Record<string, string> | null {
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  for (const field of Object.values(value)) if (typeof field !== 'string') return null;
  return value as Record<string, string>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url: the canonical encoding only (so that no two strings decode to the same bytes). */
export function fromBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
