import { isGroupElement, type FiniteFieldGroup, type ModExp } from '../groups.js';
import type { KeyCrypto, Sha256 } from '../trustee-key.js';
import type { AesCcm } from './aes-ccm.js';
import { bigNumber, bytesToBigInt, fromHex, malformed, object, parseText, string, toHex } from './json.js';

/**
 * The public key infrastructure of threshold key establishment (Belenios 2.0, section 4.6.1):
 * a secret seed of 22 base-58 characters, the signing key sk = SHA256("sk|" + seed) mod q and
 * the decryption key dk = SHA256("dk|" + seed) mod q with their public keys g^sk and g^dk, and
 * `encrypted_msg`: El Gamal on g^s, then AES-256-CCM of the message with key SHA256("key|" + g^s)
 * and nonce the first bytes of SHA256("iv|" + g^r) (13 bytes for messages under 64 KiB), an
 * 8-byte tag, data in lowercase hexadecimal.
 */
export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export const SEED_LENGTH = 22;
/** Tag length of belenios' AES-CCM (found by decrypting belenios-tool's messages). */
export const CCM_TAG_LENGTH = 8;

/** What the trustee-side steps need: KeyCrypto's modExp, sha256 and randomExponent, plus AES-CCM. */
export interface ThresholdCrypto extends KeyCrypto {
  readonly aesCcm: AesCcm;
}

/** What the checks of the administrator need (no randomness, no AES). */
export type CheckCrypto = { readonly modExp: ModExp; readonly sha256: Sha256 };

/** A fresh seed from a CSPRNG's bytes (rejection sampling: no bias). */
export function newSeed(randomBytes: (length: number) => Uint8Array): string {
  let seed = '';
  while (seed.length < SEED_LENGTH) {
    for (const byte of randomBytes(SEED_LENGTH)) {
      if (byte < 4 * 58 && seed.length < SEED_LENGTH) seed += BASE58_ALPHABET[byte % 58];
    }
  }
  return seed;
}

export function isSeed(seed: string): boolean {
  return seed.length === SEED_LENGTH && [...seed].every((c) => BASE58_ALPHABET.includes(c));
}

export interface PkiKeys {
  readonly signingKey: bigint;
  readonly verificationKey: bigint;
  readonly decryptionKey: bigint;
  readonly encryptionKey: bigint;
}

export async function deriveKeys(group: FiniteFieldGroup, seed: string, crypto: CheckCrypto): Promise<PkiKeys> {
  if (!isSeed(seed)) throw new RangeError(`a seed is ${SEED_LENGTH} base-58 characters`);
  const signingKey = bytesToBigInt(await crypto.sha256(`sk|${seed}`)) % group.q;
  const decryptionKey = bytesToBigInt(await crypto.sha256(`dk|${seed}`)) % group.q;
  return {
    signingKey,
    verificationKey: crypto.modExp(group.g, signingKey, group.p),
    decryptionKey,
    encryptionKey: crypto.modExp(group.g, decryptionKey, group.p),
  };
}

export interface EncryptedMessage {
  readonly alpha: bigint;
  readonly beta: bigint;
  /** Hexadecimal AES-CCM ciphertext followed by its tag. */
  readonly data: string;
}

export function encryptedMessageFromText(text: string, what = 'encrypted message'): EncryptedMessage {
  const value = object(parseText(text, what), what);
  return { alpha: bigNumber(value.alpha, `${what}.alpha`), beta: bigNumber(value.beta, `${what}.beta`), data: hexString(value.data, `${what}.data`) };
}

export function encryptedMessageToText(message: EncryptedMessage): string {
  return JSON.stringify({ alpha: message.alpha.toString(), beta: message.beta.toString(), data: message.data });
}

/** Checks the form of an encrypted message (group elements, hexadecimal data) without decrypting it. */
export function checkEncryptedMessageForm(group: FiniteFieldGroup, text: string, what: string, modExp: ModExp): EncryptedMessage {
  const message = encryptedMessageFromText(text, what);
  if (!isGroupElement(group, message.alpha, modExp)) throw malformed(what, 'alpha is not a group element');
  if (!isGroupElement(group, message.beta, modExp)) throw malformed(what, 'beta is not a group element');
  if (message.data.length < 2 * CCM_TAG_LENGTH) throw malformed(what, 'data is shorter than the tag');
  return message;
}

/** Encrypts `message` for the encryption key `ek`; returns the serialized encrypted_msg. */
export async function encryptMessage(group: FiniteFieldGroup, ek: bigint, message: string, crypto: ThresholdCrypto): Promise<string> {
  const r = crypto.randomExponent(group);
  const s = crypto.randomExponent(group);
  const alpha = crypto.modExp(group.g, r, group.p);
  const gs = crypto.modExp(group.g, s, group.p);
  const beta = (crypto.modExp(ek, r, group.p) * gs) % group.p;
  const plaintext = new TextEncoder().encode(message);
  const { key, nonce } = await symmetricParameters(gs, alpha, plaintext.length, crypto.sha256);
  const data = toHex(await crypto.aesCcm.encrypt(key, nonce, plaintext, CCM_TAG_LENGTH));
  return encryptedMessageToText({ alpha, beta, data });
}

/** Decrypts a serialized encrypted_msg with the decryption key `dk`. */
export async function decryptMessage(
  group: FiniteFieldGroup,
  dk: bigint,
  text: string,
  crypto: CheckCrypto & { readonly aesCcm: AesCcm },
): Promise<string> {
  const what = 'encrypted message';
  const { alpha, beta, data } = checkEncryptedMessageForm(group, text, what, crypto.modExp);
  const gs = (beta * crypto.modExp(crypto.modExp(alpha, dk, group.p), group.q - 1n, group.p)) % group.p;
  const ciphertext = fromHex(data, `${what}.data`);
  const { key, nonce } = await symmetricParameters(gs, alpha, ciphertext.length - CCM_TAG_LENGTH, crypto.sha256);
  let plaintext: Uint8Array;
  try {
    plaintext = await crypto.aesCcm.decrypt(key, nonce, ciphertext, CCM_TAG_LENGTH);
  } catch {
    throw malformed(what, 'does not decrypt with this key (AES-CCM tag mismatch)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw malformed(what, 'its plaintext is not UTF-8');
  }
}

/**
 * Key SHA256("key|" + g^s); nonce: the first 15 - L bytes of SHA256("iv|" + alpha), where L >= 2 is
 * the number of bytes needed to write the message length (the usual CCM choice; 13 bytes below 64 KiB).
 */
async function symmetricParameters(gs: bigint, alpha: bigint, length: number, sha256: Sha256): Promise<{ key: Uint8Array; nonce: Uint8Array }> {
  let lengthBytes = 2;
  while (lengthBytes < 8 && length >= 2 ** (8 * lengthBytes)) lengthBytes++;
  const key = await sha256(`key|${gs}`);
  const iv = await sha256(`iv|${alpha}`);
  return { key, nonce: iv.slice(0, 15 - lengthBytes) };
}

function hexString(json: unknown, what: string): string {
  const value = string(json, what);
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw malformed(what, 'must be hexadecimal');
  return value;
}
