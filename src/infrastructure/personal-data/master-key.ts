import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';

const KEY_BYTES = 32;
const HEX = /^[0-9a-fA-F]{64}$/;
// 32 bytes in base64: 43 characters and one "=" of padding (optional); standard or URL-safe alphabet.
const BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;
const HKDF_SALT = Buffer.from('urne/master-key/v1', 'utf8');
const SHOWN = 'MasterKey([REDACTED])';

/** How to write a valid URNE_MASTER_KEY, for messages. */
export const MASTER_KEY_FORMAT = '32 random bytes as 64 hexadecimal characters or as base64 (e.g. the output of "openssl rand -hex 32")';

/** Whether `text` is a master key in one of the accepted notations (hex or base64 of 32 bytes). */
export function isMasterKeyText(text: unknown): boolean {
  return typeof text === 'string' && (HEX.test(text.trim()) || BASE64.test(text.trim()));
}

/**
 * The one secret of the personal data vault: 32 bytes. Every other key derives from it with HKDF
 * (distinct `info` strings), so it is the only thing to protect and to back up.
 *
 * The bytes never leave the object: it serialises, prints and inspects as "[REDACTED]", so a
 * configuration holding it can be logged without leaking it.
 */
export class MasterKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    if (bytes.length !== KEY_BYTES) throw new Error(`a master key is ${KEY_BYTES} bytes`);
    this.#bytes = bytes;
  }

  /** Parses 64 hex characters or base64 (standard or URL-safe, padded or not). Never echoes the text. */
  static parse(text: string): MasterKey {
    const trimmed = text.trim();
    if (HEX.test(trimmed)) return new MasterKey(Buffer.from(trimmed, 'hex'));
    if (BASE64.test(trimmed)) return new MasterKey(Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    throw new Error(`not a master key; expected ${MASTER_KEY_FORMAT}`);
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(KEY_BYTES));
  }

  /** A 32-byte key for one use, HKDF-SHA-256(master, salt "urne/master-key/v1", info). */
  derive(info: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#bytes, HKDF_SALT, Buffer.from(info, 'utf8'), KEY_BYTES));
  }

  equals(other: MasterKey): boolean {
    return timingSafeEqual(this.#bytes, other.#bytes);
  }

  /** The hex notation, for the master.key file only. */
  static hexOf(key: MasterKey): string {
    return key.#bytes.toString('hex');
  }

  toJSON(): string {
    return '[REDACTED]';
  }

  toString(): string {
    return SHOWN;
  }

  [inspect.custom](): string {
    return SHOWN;
  }
}

export interface MasterKeyFileResult {
  key: MasterKey;
  /** True when this call created the file. */
  created: boolean;
  /** Set when the file is readable by group or others (its mode, e.g. 0o644). */
  looseMode?: number;
}

/**
 * Reads `<dataDir>/master.key` (hex, one line), or creates it with mode 0600 when it does not
 * exist and `mayCreate`. Creation is atomic (written to a temporary file, synced, then hard-linked
 * to the final name, which fails if another process created it first: then its key is read).
 * Returns null when the file does not exist and may not be created.
 */
export function readOrCreateMasterKeyFile(file: string, mayCreate: boolean): MasterKeyFileResult | null {
  const existing = readMasterKeyFile(file);
  if (existing !== null || !mayCreate) return existing;

  const key = MasterKey.generate();
  const temporary = join(dirname(file), `.master.key.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    chmodSync(temporary, 0o600);
    writeSync(fd, `${MasterKey.hexOf(key)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process created it between our read and our link: use theirs.
    return readMasterKeyFile(file);
  } finally {
    unlinkSync(temporary);
  }
  syncDirectory(dirname(file));
  return { key, created: true };
}

function readMasterKeyFile(file: string): MasterKeyFileResult | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!isMasterKeyText(text)) throw new Error(`${file} does not hold a master key; expected ${MASTER_KEY_FORMAT}`);
  const mode = statSync(file).mode & 0o777;
  return { key: MasterKey.parse(text), created: false, ...((mode & 0o077) !== 0 ? { looseMode: mode } : {}) };
}

function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Not every platform can sync a directory; the file itself is synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
