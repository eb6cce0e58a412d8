import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { sealingKeyId, type Sha256, type SignatureVerifier, type TrustedKey } from '../../domain/ledger/index.js';

/** SHA-256 through OpenSSL, for the domain's chain functions. */
export const nodeSha256: Sha256 = (data) => createHash('sha256').update(data).digest();

// DER prefix of an Ed25519 SubjectPublicKeyInfo: the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return Buffer.from(der.subarray(der.length - 32));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(raw)]), format: 'der', type: 'spki' });
}

/** Ed25519 verification through OpenSSL, for the domain's seal checks. */
export const nodeVerifyEd25519: SignatureVerifier = (message, signature, raw) =>
  verify(null, Buffer.from(message), publicKeyFromRaw(raw), Buffer.from(signature));

export function trustedKeyOf(raw: Uint8Array): TrustedKey {
  return { keyId: sealingKeyId(nodeSha256, raw), publicKey: new Uint8Array(raw) };
}

/**
 * Reads a public key given by an auditor: a PEM (SPKI) file's text, or the raw key as 64 hex
 * characters (as published by `ledgerSealingKey`).
 */
export function parsePublicKeyText(text: string): Uint8Array {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed.toLowerCase(), 'hex');
  if (trimmed.startsWith('{')) {
    const json = JSON.parse(trimmed) as { publicKey?: unknown; publicKeyHex?: unknown };
    const hex = typeof json.publicKeyHex === 'string' ? json.publicKeyHex : json.publicKey;
    if (typeof hex === 'string' && /^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex.toLowerCase(), 'hex');
  }
  const key = createPublicKey(trimmed);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${key.asymmetricKeyType})`);
  return rawPublicKey(key);
}

/** The server's sealing key pair. The private half never leaves this object. */
export class SealingKey {
  readonly publicKey: Buffer;
  readonly keyId: string;
  readonly #privateKey: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the ledger sealing key must be Ed25519');
    this.#privateKey = privateKey;
    this.publicKey = rawPublicKey(createPublicKey(privateKey));
    this.keyId = sealingKeyId(nodeSha256, this.publicKey);
  }

  static generate(): SealingKey {
    return new SealingKey(generateKeyPairSync('ed25519').privateKey);
  }

  static fromPkcs8(der: Buffer): SealingKey {
    return new SealingKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  }

  /** PKCS#8 DER of the private key: only for sealing it into its file. */
  static pkcs8Of(key: SealingKey): Buffer {
    return key.#privateKey.export({ type: 'pkcs8', format: 'der' });
  }

  sign(message: Uint8Array): string {
    return sign(null, Buffer.from(message), this.#privateKey).toString('hex');
  }

  get publicKeyPem(): string {
    return publicKeyFromRaw(this.publicKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  get trusted(): TrustedKey {
    return { keyId: this.keyId, publicKey: new Uint8Array(this.publicKey) };
  }

  toJSON(): string {
    return `SealingKey(${this.keyId})`;
  }
}
