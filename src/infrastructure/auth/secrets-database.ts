import Database from 'better-sqlite3';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The node's secrets store, `<dataDir>/secrets.sqlite` (mode 0600): what must never enter the log,
 * which auditors download. It holds
 * - the argon2id hashes of staff passwords (keyed by staff id),
 * - sessions (an HMAC of each bearer token, never the token) with their expiry,
 * - one-time codes (an HMAC of purpose, subject and code) with expiry and attempts,
 * - rate-limit counters (keyed by an HMAC of what is counted),
 * - when URNE_MASTER_KEY is not set, the random root secret of those HMAC keys.
 *
 * It is node-local state. One node (the embedded SQLite event store) needs nothing else; in a
 * multi-node deployment this store must be shared by every API node (as the event store is),
 * otherwise a session opened on one node is unknown to the next and rate limits count per node.
 * Replace this adapter by a shared database behind the same ports (sessions, one-time codes,
 * rate limiter, staff credentials) and give every node the same URNE_MASTER_KEY.
 */
export type SecretsDb = Database.Database;

export const SECRETS_DB = Symbol.for('urne:SecretsDb');

const SCHEMA_VERSION = 1;

export function openSecretsDatabase(file: string): SecretsDb {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  // Create it private before SQLite opens it (SQLite gives its -wal and -shm files the same mode).
  closeSync(openSync(path, 'a', 0o600));
  try {
    chmodSync(path, 0o600);
  } catch {
    // Not the owner (a shared volume): leave the mode to whoever manages the file.
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // Password hashes must survive a power cut; the volume is tiny.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS server_secrets (
      name       TEXT    PRIMARY KEY,
      value      BLOB    NOT NULL,
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS staff_credentials (
      staff_id      TEXT    PRIMARY KEY,
      password_hash TEXT    NOT NULL,
      updated_at    INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS sessions (
      token_hash BLOB    PRIMARY KEY,
      session_id TEXT    NOT NULL UNIQUE,
      kind       TEXT    NOT NULL CHECK (kind IN ('staff', 'voter')),
      subject    TEXT    NOT NULL,
      username   TEXT,
      role       TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS sessions_by_subject ON sessions (kind, subject);
    CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
    CREATE TABLE IF NOT EXISTS one_time_codes (
      slot         BLOB    PRIMARY KEY,
      code_hash    BLOB    NOT NULL,
      issued_at    INTEGER NOT NULL,
      expires_at   INTEGER NOT NULL,
      attempts     INTEGER NOT NULL,
      max_attempts INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS rate_limit_hits (
      id     INTEGER PRIMARY KEY,
      bucket BLOB    NOT NULL,
      at     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS rate_limit_hits_by_bucket ON rate_limit_hits (bucket, at);
    CREATE INDEX IF NOT EXISTS rate_limit_hits_by_time ON rate_limit_hits (at);
  `);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  return db;
}

/** Something that derives 32-byte keys from a master secret (the vault's MasterKey is one). */
export interface KeyDeriver {
  derive(info: string): Buffer;
}

/**
 * The HMAC keys of sessions, one-time codes and rate limits, one per use (HKDF with distinct
 * labels), derived from URNE_MASTER_KEY when the node has one, otherwise from a random secret
 * created in the secrets store on first start.
 */
export class AuthKeys {
  readonly session: Buffer;
  readonly codeSlot: Buffer;
  readonly code: Buffer;
  readonly rateLimit: Buffer;

  constructor(root: KeyDeriver) {
    this.session = root.derive('urne/auth/session-token/v1');
    this.codeSlot = root.derive('urne/auth/one-time-code-slot/v1');
    this.code = root.derive('urne/auth/one-time-code/v1');
    this.rateLimit = root.derive('urne/auth/rate-limit/v1');
  }

  static hmac(key: Buffer, message: string): Buffer {
    return createHmac('sha256', key).update(message, 'utf8').digest();
  }
}

export const AUTH_KEYS = Symbol.for('urne:AuthKeys');

const HKDF_SALT = Buffer.from('urne/auth/v1', 'utf8');

/** The auth keys: from `masterKey` if given, else from the store's own random root secret. */
export function loadAuthKeys(db: SecretsDb, masterKey?: KeyDeriver): AuthKeys {
  if (masterKey !== undefined) return new AuthKeys(masterKey);
  // INSERT OR IGNORE then read: two processes starting together agree on one secret.
  db.prepare('INSERT OR IGNORE INTO server_secrets (name, value, created_at) VALUES (?, ?, ?)').run('auth-root', randomBytes(32), Date.now());
  const row = db.prepare('SELECT value FROM server_secrets WHERE name = ?').get('auth-root') as { value: Buffer };
  const root = Buffer.from(row.value);
  return new AuthKeys({ derive: (info) => Buffer.from(hkdfSync('sha256', root, HKDF_SALT, Buffer.from(info, 'utf8'), 32)) });
}
