import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MasterKey } from '../personal-data/master-key.js';
import { decrypt, encrypt, IV_BYTES } from '../personal-data/vault-crypto.js';
import { SealingKey } from './ledger-crypto.js';

const FORMAT = 'urne-ledger-sealing-key/1';
const DERIVATION = 'urne/ledger-sealing-key/v1';

interface KeyFile {
  format: typeof FORMAT;
  algorithm: 'Ed25519';
  keyId: string;
  /** Raw public key, hex: public, for whoever reads the file. */
  publicKey: string;
  /** AES-256-GCM (key derived from the master key) of the PKCS#8 private key: iv || ciphertext || tag, base64. */
  sealedPrivateKey: string;
}

/** `<dataDir>/ledger-seal.key`, next to master.key. */
export function sealingKeyFileOf(dataDir: string): string {
  return join(dataDir, 'ledger-seal.key');
}

/**
 * Reads the server's sealing key from its file, or creates it (mode 0600, atomically: a second
 * process creating it at the same time reads the first one's key). The private key is sealed with
 * a key derived from the master key, so the file alone signs nothing; the public key is in clear.
 */
export function readOrCreateSealingKey(file: string, masterKey: MasterKey, mayCreate = true): { key: SealingKey; created: boolean } {
  const existing = readSealingKey(file, masterKey);
  if (existing || !mayCreate) {
    if (!existing) throw new Error(`no ledger sealing key at ${file}`);
    return { key: existing, created: false };
  }
  const key = SealingKey.generate();
  const iv = randomBytes(IV_BYTES);
  const sealed = encrypt(masterKey.derive(DERIVATION), iv, SealingKey.pkcs8Of(key), aad(key.keyId));
  const content: KeyFile = {
    format: FORMAT,
    algorithm: 'Ed25519',
    keyId: key.keyId,
    publicKey: key.publicKey.toString('hex'),
    sealedPrivateKey: Buffer.concat([iv, sealed]).toString('base64'),
  };
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    chmodSync(temporary, 0o600);
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: readSealingKey(file, masterKey)!, created: false };
  } finally {
    unlinkSync(temporary);
  }
  return { key, created: true };
}

function readSealingKey(file: string, masterKey: MasterKey): SealingKey | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const content = JSON.parse(text) as KeyFile;
  if (content.format !== FORMAT) throw new Error(`${file} is not a ledger sealing key file (format ${String(content.format)})`);
  const bytes = Buffer.from(content.sealedPrivateKey, 'base64');
  const pkcs8 = decrypt(masterKey.derive(DERIVATION), bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES), aad(content.keyId));
  if (!pkcs8) throw new Error(`${file}: the ledger sealing key cannot be opened with this master key (wrong URNE_MASTER_KEY or master.key?)`);
  const key = SealingKey.fromPkcs8(pkcs8);
  pkcs8.fill(0);
  if (key.keyId !== content.keyId) throw new Error(`${file}: the sealed key does not match its key id`);
  return key;
}

function aad(keyId: string): Buffer {
  return Buffer.from(`${FORMAT}\u0000${keyId}`, 'utf8');
}

/** The public part of the key file, without the master key (for `urne ledger key`). */
export function readPublicSealingKey(file: string): { keyId: string; publicKey: string } {
  const content = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  if (content.format !== FORMAT) throw new Error(`${file} is not a ledger sealing key file`);
  return { keyId: content.keyId, publicKey: content.publicKey };
}
