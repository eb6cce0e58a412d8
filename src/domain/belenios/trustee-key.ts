import { isExponent, isGroupElement, type FiniteFieldGroup, type ModExp } from './groups.js';

/**
 * A trustee's verification key with its proof of knowledge of the private key (Belenios 2.0,
 * section 4.5): X = g^x, and a Schnorr proof {challenge, response} with
 * challenge = Hpok(X, A) mod q, A = g^w, response = w - x * challenge mod q,
 * Hpok(X, A) = SHA256("pok|" + group name + "|" + X + "|" + A), numbers in base 10.
 */
export interface TrusteePublicKey {
  readonly pok: { readonly challenge: bigint; readonly response: bigint };
  readonly publicKey: bigint;
}

/** SHA-256 of a UTF-8 string: injected (WebCrypto in browsers is asynchronous). */
export type Sha256 = (message: string) => Promise<Uint8Array>;

export const webCryptoSha256: Sha256 = async (message) => new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(message)));

export interface KeyCrypto {
  readonly modExp: ModExp;
  readonly sha256: Sha256;
  /** A uniformly random exponent in Z_q (from a CSPRNG). */
  readonly randomExponent: (group: FiniteFieldGroup) => bigint;
}

export async function provePossession(group: FiniteFieldGroup, privateKey: bigint, crypto: KeyCrypto): Promise<TrusteePublicKey> {
  if (!isExponent(group, privateKey)) throw new RangeError('the private key must be in Z_q');
  const publicKey = crypto.modExp(group.g, privateKey, group.p);
  const w = crypto.randomExponent(group);
  const commitment = crypto.modExp(group.g, w, group.p);
  const challenge = (await hashPok(group, publicKey, commitment, crypto.sha256)) % group.q;
  const response = mod(w - privateKey * challenge, group.q);
  return { pok: { challenge, response }, publicKey };
}

/** Checks the key is a group element and the proof holds. Never throws on bad input: false. */
export async function verifyPossession(group: FiniteFieldGroup, key: TrusteePublicKey, crypto: Pick<KeyCrypto, 'modExp' | 'sha256'>): Promise<boolean> {
  const { publicKey, pok } = key;
  if (!isGroupElement(group, publicKey, crypto.modExp) || !isExponent(group, pok.challenge) || !isExponent(group, pok.response)) return false;
  const commitment = (crypto.modExp(group.g, pok.response, group.p) * crypto.modExp(publicKey, pok.challenge, group.p)) % group.p;
  return (await hashPok(group, publicKey, commitment, crypto.sha256)) % group.q === pok.challenge;
}

/** The JSON form of the specification (numbers as base-10 strings). */
export function trusteePublicKeyFromJson(json: unknown): TrusteePublicKey {
  const value = json as { pok?: { challenge?: unknown; response?: unknown }; public_key?: unknown };
  const number = (x: unknown, what: string) => {
    if (typeof x !== 'string' || !/^\d+$/.test(x)) throw new TypeError(`${what} must be a base-10 number in a string`);
    return BigInt(x);
  };
  return {
    pok: { challenge: number(value.pok?.challenge, 'pok.challenge'), response: number(value.pok?.response, 'pok.response') },
    publicKey: number(value.public_key, 'public_key'),
  };
}

export function trusteePublicKeyToJson(key: TrusteePublicKey): { pok: { challenge: string; response: string }; public_key: string } {
  return { pok: { challenge: key.pok.challenge.toString(), response: key.pok.response.toString() }, public_key: key.publicKey.toString() };
}

async function hashPok(group: FiniteFieldGroup, publicKey: bigint, commitment: bigint, sha256: Sha256): Promise<bigint> {
  const digest = await sha256(`pok|${group.name}|${publicKey}|${commitment}`);
  let value = 0n;
  for (const byte of digest) value = (value << 8n) | BigInt(byte);
  return value;
}

function mod(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}
