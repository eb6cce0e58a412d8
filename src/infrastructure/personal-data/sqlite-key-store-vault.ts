import Database from 'better-sqlite3';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { PersonalDataSubjects, PersonalDataVault, SealedPersonalData, SubjectKeyStatus } from '../../application/ports/personal-data-vault.js';
import { MasterKey, readOrCreateMasterKeyFile } from './master-key.js';
import { MasterKeyError, PersonalDataKeyMissingError, PersonalDataTamperedError, SubjectForgottenError } from './personal-data.errors.js';
import {
  IV_BYTES,
  KEY_BYTES,
  RandomPool,
  SEAL_AAD_PREFIX,
  TAG_BYTES,
  aad,
  decodeFields,
  decrypt,
  encodeFields,
  encrypt,
  fromBase64url,
  unwrapDataKey,
  wrapDataKey,
} from './vault-crypto.js';

/** The little of a logger the vault uses (a pino logger fits). */
export interface VaultLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export interface SqliteKeyStoreVaultOptions {
  /** The key store, `<dataDir>/keys.sqlite`; its folder is created if needed. */
  file: string;
  /** From URNE_MASTER_KEY. When absent, the master key is read from `masterKeyFile`, created on first use. */
  masterKey?: MasterKey | undefined;
  /** Default: `master.key` next to `file`. */
  masterKeyFile?: string;
  logger?: VaultLogger;
  /** Unwrapped data keys kept in memory, least recently used evicted first (default 10,000; 0 disables). */
  cacheSize?: number;
  /** How long a writer waits for another process's write lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** Stamps created_at / forgotten_at in the key store (default: the system clock). */
  now?: () => Date;
}

export interface SealRequest {
  subject: string;
  fields: Readonly<Record<string, string>>;
}

export interface KeyStoreStatistics {
  /** Subjects with a live key. */
  active: number;
  /** Tombstones: subjects whose key was destroyed. */
  forgotten: number;
}

interface KeyRow {
  wrapped_key: Buffer | null;
  forgotten_at: number | null;
}

const SCHEMA_VERSION = 1;
const MAX_SUBJECT_LENGTH = 256;
const IV_TEXT = /^[A-Za-z0-9_-]{16}$/;

// Every key the vault uses derives from the master key with HKDF and one of these `info` strings.
const WRAPPING_INFO = 'urne/vault/key-wrapping/v1';
const BLIND_INDEX_INFO = 'urne/vault/blind-index/v1';
const KEY_CHECK_INFO = 'urne/vault/key-check/v1';
const KEY_CHECK_MESSAGE = 'urne vault master key check';

/**
 * The personal data vault on a SQLite key store kept outside the log (crypto-shredding).
 *
 * Key hierarchy: master key (URNE_MASTER_KEY, or `<dataDir>/master.key`) → HKDF-SHA-256 →
 * a wrapping key, a blind-index key and a key-check key. Each subject has a random 256-bit data
 * key, stored wrapped (AES-256-GCM under the wrapping key, the subject as associated data) in
 * `subject_keys`. Personal fields are sealed with AES-256-GCM under the data key, a random 96-bit
 * IV per seal, and `urne/personal-data/v1\0<subject>` as associated data: a sealed value moved to
 * another subject, or altered by one bit, does not open.
 *
 * Forgetting a subject replaces its row by a tombstone (no key, forgottenAt) with SQLite's
 * `secure_delete` on (the freed bytes are zeroed), then checkpoints and truncates the WAL so the
 * old pages do not linger there. The key file is opened in WAL mode with synchronous FULL: a key
 * lost is data lost.
 *
 * Several processes may share the file (the API and the CLI): unwrapped keys are cached in memory,
 * and the cache is dropped whenever another connection has committed (`PRAGMA data_version`), so a
 * subject forgotten by the CLI cannot be opened from the server's cache.
 *
 * Bulk sealing: wrap the loop in `withinTransaction` (or call `sealMany`): new keys are then
 * written in one transaction. The sealed values may be appended to the event store only after
 * `withinTransaction` has returned (the keys are committed then); if it throws, nothing it sealed
 * may be used. Synchronous code only inside (better-sqlite3 transactions cannot span an await).
 */
export class SqliteKeyStoreVault implements PersonalDataVault, PersonalDataSubjects {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly wrappingKey: Buffer;
  private readonly blindIndexKey: Buffer;
  private readonly purposeKeys = new Map<string, Buffer>();
  private readonly cache = new Map<string, Buffer>();
  private readonly cacheSize: number;
  private readonly random = new RandomPool();
  private readonly now: () => Date;
  private readonly logger: VaultLogger | undefined;
  private readonly statements;
  /** Subjects whose key was created in each open withinTransaction level (evicted on rollback). */
  private readonly createdInTransaction: string[][] = [];
  private scrubAfterCommit = false;
  private dataVersion: number;
  private closed = false;

  constructor(options: SqliteKeyStoreVaultOptions) {
    this.file = resolve(options.file);
    this.cacheSize = Math.max(0, Math.floor(options.cacheSize ?? 10_000));
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;

    mkdirSync(dirname(this.file), { recursive: true });
    const isNew = !existsSync(this.file);
    this.db = new Database(this.file);
    try {
      if (isNew) chmodSync(this.file, 0o600);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('secure_delete = ON');
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      this.createSchema();

      const storedCheck = this.readInfo('master_key_check');
      const master = this.resolveMasterKey(options, storedCheck === undefined);
      this.wrappingKey = master.derive(WRAPPING_INFO);
      this.blindIndexKey = master.derive(BLIND_INDEX_INFO);
      this.verifyMasterKey(master, storedCheck);
    } catch (error) {
      this.db.close();
      throw error;
    }

    this.statements = {
      select: this.db.prepare<[string], KeyRow>('SELECT wrapped_key, forgotten_at FROM subject_keys WHERE subject = ?'),
      insert: this.db.prepare<[string, Buffer, number]>(
        'INSERT INTO subject_keys (subject, wrapped_key, created_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING',
      ),
      forget: this.db.prepare<[string, number, number]>(
        `INSERT INTO subject_keys (subject, wrapped_key, created_at, forgotten_at) VALUES (?, NULL, ?, ?)
         ON CONFLICT (subject) DO UPDATE SET wrapped_key = NULL, forgotten_at = coalesce(subject_keys.forgotten_at, excluded.forgotten_at)`,
      ),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      startSnapshot: this.db.prepare<[], number>("SELECT count(*) FROM vault_info").pluck(),
      statistics: this.db.prepare<[], KeyStoreStatistics>(
        'SELECT count(wrapped_key) AS active, count(forgotten_at) AS forgotten FROM subject_keys',
      ),
    };
    this.dataVersion = this.statements.dataVersion.get()!;
  }

  seal(subject: string, fields: Readonly<Record<string, string>>): SealedPersonalData {
    checkSubject(subject);
    checkFields(fields);
    const key = this.dataKey(subject, true);
    const iv = this.random.take(IV_BYTES);
    const data = encrypt(key, iv, encodeFields(fields), aad(SEAL_AAD_PREFIX, subject));
    return { sealed: 'v1', subject, iv: iv.toString('base64url'), data: data.toString('base64url') };
  }

  /** Seals every item in one transaction (the keys are durable when it returns). */
  sealMany(items: Iterable<SealRequest>): SealedPersonalData[] {
    return this.withinTransaction(() => Array.from(items, (item) => this.seal(item.subject, item.fields)));
  }

  open(sealed: SealedPersonalData): Record<string, string> | null {
    if (typeof sealed !== 'object' || sealed === null || sealed.sealed !== 'v1' || typeof sealed.subject !== 'string')
      throw new PersonalDataTamperedError(String((sealed as { subject?: unknown } | null)?.subject), 'not a sealed value (v1)');
    const { subject } = sealed;
    const iv = typeof sealed.iv === 'string' && IV_TEXT.test(sealed.iv) ? fromBase64url(sealed.iv) : null;
    const data = typeof sealed.data === 'string' ? fromBase64url(sealed.data) : null;
    if (iv === null || iv.length !== IV_BYTES) throw new PersonalDataTamperedError(subject, 'malformed iv');
    if (data === null || data.length <= TAG_BYTES) throw new PersonalDataTamperedError(subject, 'malformed data');

    const key = this.dataKey(subject, false);
    if (key === null) return null;
    const plaintext = decrypt(key, iv, data, aad(SEAL_AAD_PREFIX, subject));
    if (plaintext === null) throw new PersonalDataTamperedError(subject, 'authentication failed');
    const fields = decodeFields(plaintext);
    plaintext.fill(0);
    if (fields === null) throw new PersonalDataTamperedError(subject, 'not an object of strings');
    return fields;
  }

  forget(subject: string): void {
    this.forgetMany([subject]);
  }

  /** Forgets every subject in one transaction, then scrubs the WAL once. Idempotent. */
  forgetMany(subjects: Iterable<string>): void {
    this.withinTransaction(() => {
      const at = this.now().getTime();
      for (const subject of subjects) {
        checkSubject(subject);
        this.statements.forget.run(subject, at, at);
        this.evict(subject);
      }
      this.scrubAfterCommit = true;
    });
  }

  isForgotten(subject: string): boolean {
    return this.subjectStatus(subject) === 'forgotten';
  }

  subjectStatus(subject: string): SubjectKeyStatus {
    const row = this.statements.select.get(subject);
    if (row === undefined) return 'unknown';
    return row.wrapped_key === null ? 'forgotten' : 'active';
  }

  /** When the subject was forgotten, or null if it was not. */
  forgottenAt(subject: string): Date | null {
    const row = this.statements.select.get(subject);
    return row?.forgotten_at == null ? null : new Date(row.forgotten_at);
  }

  blindIndex(purpose: string, value: string): string {
    if (typeof purpose !== 'string' || purpose.length === 0) throw new TypeError('blindIndex: the purpose must be a non-empty string');
    if (typeof value !== 'string') throw new TypeError('blindIndex: the value must be a string');
    let key = this.purposeKeys.get(purpose);
    if (key === undefined) {
      // One key per purpose, so the same value gives unrelated indexes in two purposes.
      key = createHmac('sha256', this.blindIndexKey).update(`purpose\u0000${purpose}`, 'utf8').digest();
      this.purposeKeys.set(purpose, key);
    }
    return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
  }

  /**
   * Runs `fn` (synchronous) in one write transaction of the key store: the keys created by the
   * seals inside are committed together when it returns, which is what makes bulk sealing fast.
   * Append what was sealed to the event store only after this returns. Nests (as savepoints).
   */
  withinTransaction<T>(fn: () => T): T {
    return this.transaction(fn, 'immediate');
  }

  /**
   * Runs `fn` (synchronous) on one consistent snapshot of the key store, without taking the write
   * lock: for bulk reads (a projection replaying a page of events opens each one). Inside it the
   * vault skips its per-call check for changes made by other processes, which is most of the cost
   * of an `open` with a cached key. A forget committed by another process meanwhile is seen by
   * the next call after it.
   */
  withinSnapshot<T>(fn: () => T): T {
    return this.transaction(fn, 'deferred');
  }

  private transaction<T>(fn: () => T, kind: 'immediate' | 'deferred'): T {
    this.assertOpen();
    const created: string[] = [];
    this.createdInTransaction.push(created);
    let result: T;
    try {
      // Checked once when the transaction starts (after a read, which fixes the snapshot): nothing
      // another connection commits afterwards is visible in this transaction.
      result = this.db.transaction(() => {
        this.statements.startSnapshot.get();
        this.dropCacheIfChangedElsewhere();
        return fn();
      })[kind]();
    } catch (error) {
      this.createdInTransaction.pop();
      // Those keys were rolled back: never use their cached copies.
      for (const subject of created) this.evict(subject);
      if (this.createdInTransaction.length === 0) this.scrubAfterCommit = false;
      throw error;
    }
    this.createdInTransaction.pop();
    const parent = this.createdInTransaction.at(-1);
    if (parent !== undefined) {
      for (const subject of created) parent.push(subject);
    } else if (this.scrubAfterCommit) {
      this.scrubAfterCommit = false;
      this.scrubWal();
    }
    return result;
  }

  statistics(): KeyStoreStatistics {
    return { ...this.statements.statistics.get()! };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const key of this.cache.values()) key.fill(0);
    this.cache.clear();
    this.wrappingKey.fill(0);
    this.blindIndexKey.fill(0);
    for (const key of this.purposeKeys.values()) key.fill(0);
    this.db.close();
  }

  /** The subject's data key; null if it was forgotten. Creates it if `create` and it never existed. */
  private dataKey(subject: string, create: true): Buffer;
  private dataKey(subject: string, create: false): Buffer | null;
  private dataKey(subject: string, create: boolean): Buffer | null {
    this.assertOpen();
    // Within our own transaction the snapshot cannot change under us (checked when it began).
    if (!this.db.inTransaction) this.dropCacheIfChangedElsewhere();
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      // Most recently used goes last.
      this.cache.delete(subject);
      this.cache.set(subject, cached);
      return cached;
    }
    for (;;) {
      const row = this.statements.select.get(subject);
      if (row !== undefined) {
        if (row.wrapped_key === null) {
          if (create) throw new SubjectForgottenError(subject);
          return null;
        }
        const key = unwrapDataKey(this.wrappingKey, row.wrapped_key, subject);
        if (key === null) throw new PersonalDataTamperedError(subject, 'its wrapped key in the key store does not authenticate');
        this.remember(subject, key);
        return key;
      }
      if (!create) throw new PersonalDataKeyMissingError(subject);

      const key = this.random.take(KEY_BYTES);
      const wrapped = wrapDataKey(this.wrappingKey, key, subject, this.random.take(IV_BYTES));
      if (this.statements.insert.run(subject, wrapped, this.now().getTime()).changes === 1) {
        this.createdInTransaction.at(-1)?.push(subject);
        this.remember(subject, key);
        return key;
      }
      // Another process created (or forgot) it a moment ago: use what it wrote.
      key.fill(0);
    }
  }

  private remember(subject: string, key: Buffer): void {
    if (this.cacheSize === 0) return;
    if (this.cache.size >= this.cacheSize) {
      // Evicts the least recently used eighth at once: one walk instead of one per insertion.
      let toEvict = Math.max(1, this.cacheSize >> 3);
      for (const [oldest, oldKey] of this.cache) {
        this.cache.delete(oldest);
        oldKey.fill(0);
        if (--toEvict === 0) break;
      }
    }
    this.cache.set(subject, key);
  }

  private evict(subject: string): void {
    const key = this.cache.get(subject);
    if (key === undefined) return;
    this.cache.delete(subject);
    key.fill(0);
  }

  /** Another connection committed (a forget from the CLI…): cached keys may be stale. */
  private dropCacheIfChangedElsewhere(): void {
    const version = this.statements.dataVersion.get()!;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    for (const key of this.cache.values()) key.fill(0);
    this.cache.clear();
  }

  /** Moves the zeroed pages into the database file and empties the WAL, where old pages would linger. */
  private scrubWal(): void {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (result !== undefined && result.busy !== 0) {
      this.logger?.warn(
        { file: this.file, walFrames: result.log, checkpointed: result.checkpointed },
        'forgotten keys: another connection is reading, the WAL could not be truncated yet; its old pages go at the next checkpoint',
      );
    }
  }

  private createSchema(): void {
    this.db.transaction(() => {
      this.db.exec('CREATE TABLE IF NOT EXISTS vault_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS subject_keys (
          subject      TEXT    PRIMARY KEY,
          wrapped_key  BLOB,
          created_at   INTEGER NOT NULL,
          forgotten_at INTEGER,
          CHECK ((wrapped_key IS NULL) = (forgotten_at IS NOT NULL))
        ) STRICT, WITHOUT ROWID`);
      const version = this.readInfo('schema_version');
      if (version === undefined) this.db.prepare("INSERT OR IGNORE INTO vault_info (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
      else if (Number(version) > SCHEMA_VERSION)
        throw new Error(`${this.file} was written by a newer Urne (key store schema ${version}, this one knows ${SCHEMA_VERSION})`);
    }).immediate();
  }

  private readInfo(key: string): string | undefined {
    return this.db.prepare<[string], string>('SELECT value FROM vault_info WHERE key = ?').pluck().get(key);
  }

  private resolveMasterKey(options: SqliteKeyStoreVaultOptions, newStore: boolean): MasterKey {
    if (options.masterKey !== undefined) return options.masterKey;
    const file = options.masterKeyFile ?? join(dirname(this.file), 'master.key');
    const found = readOrCreateMasterKeyFile(file, newStore);
    if (found === null) {
      throw new MasterKeyError(
        this.file,
        `URNE_MASTER_KEY is not set and ${file} does not exist, while the key store already holds keys; set URNE_MASTER_KEY or restore ${file}`,
      );
    }
    if (found.created) {
      this.logger?.warn(
        { masterKeyFile: file },
        'URNE_MASTER_KEY is not set: created a master key file; in production set URNE_MASTER_KEY (kept apart from the data) and back it up: without it no personal data can be read',
      );
    }
    if (found.looseMode !== undefined) {
      this.logger?.warn({ masterKeyFile: file, mode: `0${found.looseMode.toString(8)}` }, 'the master key file is readable by other users; chmod 600 it');
    }
    return found.key;
  }

  /** Fails fast with another master key than the one the store was created with. */
  private verifyMasterKey(master: MasterKey, stored: string | undefined): void {
    const checkKey = master.derive(KEY_CHECK_INFO);
    const check = createHmac('sha256', checkKey).update(KEY_CHECK_MESSAGE).digest();
    checkKey.fill(0);
    if (stored === undefined) {
      this.db.prepare("INSERT OR IGNORE INTO vault_info (key, value) VALUES ('master_key_check', ?)").run(check.toString('base64url'));
      stored = this.readInfo('master_key_check')!;
    }
    const expected = fromBase64url(stored);
    if (expected === null || expected.length !== check.length || !timingSafeEqual(expected, check)) {
      throw new MasterKeyError(this.file, 'it was created with another master key (check URNE_MASTER_KEY or master.key)');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the personal data vault is closed');
  }
}

function checkSubject(subject: unknown): asserts subject is string {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH)
    throw new TypeError(`a subject is a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters`);
}

function checkFields(fields: unknown): void {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new TypeError('personal data fields are an object of strings');
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') throw new TypeError(`personal data field ${JSON.stringify(name)} is not a string`);
  }
}
