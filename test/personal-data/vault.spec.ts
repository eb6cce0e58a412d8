import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SealedPersonalData } from '../../src/application/ports/personal-data-vault.js';
import { displayOrErased, ERASED, isSealedPersonalData } from '../../src/domain/shared/personal-data.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';
import {
  MasterKeyError,
  PersonalDataKeyMissingError,
  PersonalDataTamperedError,
  SubjectForgottenError,
} from '../../src/infrastructure/personal-data/personal-data.errors.js';
import { SqliteKeyStoreVault, type SqliteKeyStoreVaultOptions } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { unwrapDataKey } from '../../src/infrastructure/personal-data/vault-crypto.js';

const MARIE = {
  lastName: 'Lefèvre-Dupont',
  firstName: 'Marie-Hélène Zoë',
  birthDate: '1961-02-29',
  address: '12, rue de l’Abbé-Grégoire, 75006 Paris',
  email: 'marie.lefevre@example.fr',
  phone: '+33 6 12 34 56 78',
  note: '東京 ✓ 🗳️ \u0000 "quoted" \\ back',
};

/** Every file of the key store (the database and its WAL), concatenated. */
function keyStoreBytes(dir: string): Buffer {
  return Buffer.concat(['keys.sqlite', 'keys.sqlite-wal'].map((name) => join(dir, name)).filter(existsSync).map((file) => readFileSync(file)));
}

function flip(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64url');
  bytes[index % bytes.length]! ^= 0x01;
  return bytes.toString('base64url');
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('SqliteKeyStoreVault', () => {
  let dir: string;
  let masterKey: MasterKey;
  const opened: SqliteKeyStoreVault[] = [];

  const openVault = (options: Partial<SqliteKeyStoreVaultOptions> = {}) => {
    const vault = new SqliteKeyStoreVault({ file: join(dir, 'keys.sqlite'), masterKey, ...options });
    opened.push(vault);
    return vault;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-vault-'));
    masterKey = MasterKey.generate();
  });
  afterEach(() => {
    for (const vault of opened.splice(0)) vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('seal and open', () => {
    it('round-trips Unicode fields, and the sealed value is JSON-safe and tells nothing', () => {
      const vault = openVault();
      const sealed = vault.seal('roll-75006-1', MARIE);
      expect(sealed).toEqual({ sealed: 'v1', subject: 'roll-75006-1', iv: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), data: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
      expect(isSealedPersonalData(sealed)).toBe(true);
      const text = JSON.stringify(sealed);
      for (const value of ['Lefèvre', 'Marie', '1961', 'Abbé', 'example.fr', '34 56']) expect(text).not.toContain(value);
      expect(vault.open(JSON.parse(text) as SealedPersonalData)).toEqual(MARIE);
      expect(vault.open(vault.seal('roll-2', {}))).toEqual({});
    });

    it('uses a fresh IV at every seal, so the same fields never give the same value', () => {
      const vault = openVault();
      const seals = Array.from({ length: 50 }, () => vault.seal('roll-1', { email: 'same@example.fr' }));
      expect(new Set(seals.map((s) => s.iv)).size).toBe(50);
      expect(new Set(seals.map((s) => s.data)).size).toBe(50);
      for (const sealed of seals) expect(vault.open(sealed)).toEqual({ email: 'same@example.fr' });
    });

    it('pads the plaintext so that the length does not tell the length of a name', () => {
      const vault = openVault();
      const short = vault.seal('roll-1', { lastName: 'Li' });
      const longer = vault.seal('roll-1', { lastName: 'Lefèvre' });
      expect(Buffer.from(short.data, 'base64url').length).toBe(Buffer.from(longer.data, 'base64url').length);
    });

    it('refuses a value tampered with by one byte, in the data, the tag or the IV', () => {
      const vault = openVault();
      const sealed = vault.seal('roll-1', MARIE);
      const dataLength = Buffer.from(sealed.data, 'base64url').length;
      for (const tampered of [
        { ...sealed, data: flip(sealed.data, 0) },
        { ...sealed, data: flip(sealed.data, dataLength - 1) },
        { ...sealed, data: flip(sealed.data, Math.floor(dataLength / 2)) },
        { ...sealed, iv: flip(sealed.iv, 3) },
        { ...sealed, data: sealed.data.slice(0, -4) },
        { ...sealed, data: '' },
        { ...sealed, iv: 'not base64url!!!' },
      ]) {
        const error = caught(() => vault.open(tampered));
        expect(error).toBeInstanceOf(PersonalDataTamperedError);
        expect((error as PersonalDataTamperedError).subject).toBe('roll-1');
      }
      expect(caught(() => vault.open({ ...sealed, sealed: 'v2' } as unknown as SealedPersonalData))).toBeInstanceOf(PersonalDataTamperedError);
    });

    it('refuses a value re-labelled with another subject (the subject is authenticated)', () => {
      const vault = openVault();
      const marie = vault.seal('roll-1', MARIE);
      vault.seal('roll-2', { lastName: 'Martin' });
      expect(caught(() => vault.open({ ...marie, subject: 'roll-2' }))).toBeInstanceOf(PersonalDataTamperedError);
      expect(vault.open(marie)).toEqual(MARIE);
    });

    it('reports a subject with no key that was never forgotten as a missing key, not as an erasure', () => {
      const other = openVault({ file: join(dir, 'other', 'keys.sqlite') });
      const sealed = other.seal('roll-1', MARIE);
      const vault = openVault();
      expect(caught(() => vault.open(sealed))).toBeInstanceOf(PersonalDataKeyMissingError);
    });

    it('rejects fields that are not strings', () => {
      const vault = openVault();
      expect(() => vault.seal('roll-1', { age: 42 } as unknown as Record<string, string>)).toThrow(TypeError);
      expect(() => vault.seal('', {})).toThrow(TypeError);
    });
  });

  describe('forget (crypto-shredding)', () => {
    it('makes open return null, isForgotten true, and is idempotent', () => {
      const vault = openVault();
      const sealed = vault.seal('roll-1', MARIE);
      const kept = vault.seal('roll-2', { lastName: 'Martin' });
      expect(vault.isForgotten('roll-1')).toBe(false);
      expect(vault.subjectStatus('roll-1')).toBe('active');

      vault.forget('roll-1');
      expect(vault.open(sealed)).toBeNull();
      expect(displayOrErased(vault.open(sealed), 'lastName')).toBe(ERASED);
      expect(vault.isForgotten('roll-1')).toBe(true);
      expect(vault.subjectStatus('roll-1')).toBe('forgotten');
      const at = vault.forgottenAt('roll-1');
      expect(at).toBeInstanceOf(Date);

      expect(() => vault.forget('roll-1')).not.toThrow();
      expect(vault.forgottenAt('roll-1')).toEqual(at);
      expect(vault.open(kept)).toEqual({ lastName: 'Martin' });
      expect(displayOrErased(vault.open(kept), 'lastName')).toBe('Martin');
      expect(vault.statistics()).toEqual({ active: 1, forgotten: 1 });
    });

    it('tells "never had a key" from "forgotten", and forgetting an unknown subject leaves a tombstone', () => {
      const vault = openVault();
      expect(vault.subjectStatus('roll-9')).toBe('unknown');
      expect(vault.isForgotten('roll-9')).toBe(false);
      vault.forget('roll-9');
      expect(vault.subjectStatus('roll-9')).toBe('forgotten');
    });

    it('never creates a key again for a forgotten subject', () => {
      const vault = openVault();
      vault.seal('roll-1', MARIE);
      vault.forget('roll-1');
      expect(caught(() => vault.seal('roll-1', MARIE))).toBeInstanceOf(SubjectForgottenError);
      expect(vault.subjectStatus('roll-1')).toBe('forgotten');
    });

    it('is seen at once by another vault on the same file that had the key in its cache', () => {
      const server = openVault();
      const sealed = server.seal('roll-1', MARIE);
      expect(server.open(sealed)).toEqual(MARIE);
      const cli = openVault();
      cli.forget('roll-1');
      expect(server.open(sealed)).toBeNull();
      expect(caught(() => server.seal('roll-1', MARIE))).toBeInstanceOf(SubjectForgottenError);
    });

    it('zeroes the wrapped key in the key store files (secure_delete) and empties the WAL', () => {
      const vault = openVault();
      for (let i = 0; i < 20; i++) vault.seal(`roll-${i}`, MARIE);
      const peek = new Database(join(dir, 'keys.sqlite'), { readonly: true });
      const wrapped = (subject: string) =>
        Buffer.from(peek.prepare<[string], { wrapped_key: Buffer }>('SELECT wrapped_key FROM subject_keys WHERE subject = ?').get(subject)!.wrapped_key);
      const forgotten = wrapped('roll-10');
      const kept = wrapped('roll-11');
      peek.close();
      expect(forgotten.length).toBe(61);
      expect(keyStoreBytes(dir).includes(forgotten)).toBe(true);

      vault.forget('roll-10');
      const after = keyStoreBytes(dir);
      // Not even a fragment: any 8 bytes of the encrypted key or its tag would be a leftover.
      const encrypted = forgotten.subarray(13);
      for (let at = 0; at + 8 <= encrypted.length; at++) expect(after.includes(encrypted.subarray(at, at + 8))).toBe(false);
      expect(after.includes(kept)).toBe(true);
      expect(existsSync(join(dir, 'keys.sqlite-wal')) ? statSync(join(dir, 'keys.sqlite-wal')).size : 0).toBe(0);
    });

    it('refuses a wrapped key moved to another subject in the key store (the subject is authenticated)', () => {
      const vault = openVault({ cacheSize: 0 });
      vault.seal('roll-1', MARIE);
      const other = vault.seal('roll-2', MARIE);
      const db = new Database(join(dir, 'keys.sqlite'));
      db.prepare("UPDATE subject_keys SET wrapped_key = (SELECT wrapped_key FROM subject_keys WHERE subject = 'roll-1') WHERE subject = 'roll-2'").run();
      db.close();
      expect(caught(() => vault.open(other))).toBeInstanceOf(PersonalDataTamperedError);
    });

    it('refuses a value re-labelled together with its key row (both the key and the value name their subject)', () => {
      const vault = openVault({ cacheSize: 0 });
      const marie = vault.seal('roll-1', MARIE);
      vault.seal('roll-2', { lastName: 'Martin' });
      const db = new Database(join(dir, 'keys.sqlite'));
      db.prepare("UPDATE subject_keys SET wrapped_key = (SELECT wrapped_key FROM subject_keys WHERE subject = 'roll-1') WHERE subject = 'roll-2'").run();
      db.close();
      expect(caught(() => vault.open({ ...marie, subject: 'roll-2' }))).toBeInstanceOf(PersonalDataTamperedError);
    });
  });

  describe('the key store on disk', () => {
    it('keeps the keys across a reopen with the same master key', () => {
      const first = openVault();
      const sealed = first.seal('roll-1', MARIE);
      first.close();
      const second = openVault();
      expect(second.open(sealed)).toEqual(MARIE);
      expect(second.subjectStatus('roll-1')).toBe('active');
    });

    it('cannot be opened with another master key (typed error), nor without any', () => {
      openVault().seal('roll-1', MARIE);
      const error = caught(() => openVault({ masterKey: MasterKey.generate() }));
      expect(error).toBeInstanceOf(MasterKeyError);
      expect((error as Error).message).toContain('another master key');
      // No URNE_MASTER_KEY and no master.key next to an existing store: never made up silently.
      expect(caught(() => openVault({ masterKey: undefined }))).toBeInstanceOf(MasterKeyError);
      expect(existsSync(join(dir, 'master.key'))).toBe(false);
    });

    it('holds neither the personal data nor the unwrapped data key', () => {
      const vault = openVault({ cacheSize: 0 });
      const sealed = vault.seal('roll-1', MARIE);
      vault.close();
      const bytes = keyStoreBytes(dir);
      for (const value of Object.values(MARIE)) expect(bytes.includes(Buffer.from(value, 'utf8'))).toBe(false);

      // The data key, recovered the way only the vault can: unwrap with the derived wrapping key.
      const db = new Database(join(dir, 'keys.sqlite'), { readonly: true });
      const wrapped = db.prepare<[], { wrapped_key: Buffer }>("SELECT wrapped_key FROM subject_keys WHERE subject = 'roll-1'").get()!.wrapped_key;
      db.close();
      const dataKey = unwrapDataKey(masterKey.derive('urne/vault/key-wrapping/v1'), wrapped, 'roll-1')!;
      expect(dataKey).toHaveLength(32);
      expect(bytes.includes(dataKey)).toBe(false);
      expect(bytes.includes(Buffer.from(dataKey.toString('hex')))).toBe(false);
      expect(bytes.includes(Buffer.from(dataKey.toString('base64')))).toBe(false);
      // Sanity: that really is the key that sealed the data.
      expect(openVault().open(sealed)).toEqual(MARIE);
    });

    it('is created with mode 0600', () => {
      openVault().seal('roll-1', MARIE);
      expect(statSync(join(dir, 'keys.sqlite')).mode & 0o777).toBe(0o600);
    });
  });

  describe('blind indexes', () => {
    it('are stable across reopening, differ per purpose and per value, and with another master key', () => {
      const first = openVault();
      const index = first.blindIndex('email', 'marie.lefevre@example.fr');
      expect(index).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(index).not.toContain('marie');
      first.close();
      const again = openVault();
      expect(again.blindIndex('email', 'marie.lefevre@example.fr')).toBe(index);
      expect(again.blindIndex('phone', 'marie.lefevre@example.fr')).not.toBe(index);
      expect(again.blindIndex('email', 'marie.lefevre@example.com')).not.toBe(index);
      const elsewhere = openVault({ file: join(dir, 'elsewhere', 'keys.sqlite'), masterKey: MasterKey.generate() });
      expect(elsewhere.blindIndex('email', 'marie.lefevre@example.fr')).not.toBe(index);
    });
  });

  describe('the master key file (URNE_MASTER_KEY unset)', () => {
    it('is created on first use with mode 0600, with a warning, and reused afterwards', () => {
      const warnings: string[] = [];
      const logger = { warn: (_: object, message: string) => void warnings.push(message), info: () => {} };
      const first = openVault({ masterKey: undefined, logger });
      const sealed = first.seal('roll-1', MARIE);
      first.close();

      const file = join(dir, 'master.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
      expect(warnings).toEqual([expect.stringContaining('URNE_MASTER_KEY is not set')]);

      const second = openVault({ masterKey: undefined, logger });
      expect(second.open(sealed)).toEqual(MARIE);
      expect(warnings).toHaveLength(1);
      // The same key given through URNE_MASTER_KEY opens the store too.
      second.close();
      expect(openVault({ masterKey: MasterKey.parse(readFileSync(file, 'utf8')) }).open(sealed)).toEqual(MARIE);
    });

    it('warns when the file is readable by others', () => {
      writeFileSync(join(dir, 'master.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o644 });
      const warnings: string[] = [];
      openVault({ masterKey: undefined, logger: { warn: (_: object, message: string) => void warnings.push(message), info: () => {} } });
      expect(warnings).toEqual([expect.stringContaining('readable by other users')]);
    });
  });

  describe('bulk sealing', () => {
    it('sealMany and withinTransaction commit the keys together', () => {
      const vault = openVault();
      const sealed = vault.sealMany(Array.from({ length: 500 }, (_, i) => ({ subject: `roll-${i}`, fields: { lastName: `Nom ${i}` } })));
      expect(vault.statistics()).toEqual({ active: 500, forgotten: 0 });
      const reopened = openVault();
      expect(reopened.open(sealed[499]!)).toEqual({ lastName: 'Nom 499' });
    });

    it('forgets the keys of a rolled-back transaction, in the file and in the cache', () => {
      const vault = openVault();
      let inside: SealedPersonalData | undefined;
      expect(() =>
        vault.withinTransaction(() => {
          inside = vault.seal('roll-1', MARIE);
          expect(vault.open(inside)).toEqual(MARIE);
          throw new Error('import failed');
        }),
      ).toThrow('import failed');
      expect(vault.subjectStatus('roll-1')).toBe('unknown');
      expect(caught(() => vault.open(inside!))).toBeInstanceOf(PersonalDataKeyMissingError);
      // A new key is made for a new seal; the old value stays unreadable.
      const fresh = vault.seal('roll-1', MARIE);
      expect(vault.open(fresh)).toEqual(MARIE);
      expect(caught(() => vault.open(inside!))).toBeInstanceOf(PersonalDataTamperedError);
    });

    it('rolls back an inner transaction alone, evicting only its keys', () => {
      const vault = openVault();
      let rolledBack: SealedPersonalData | undefined;
      const kept = vault.withinTransaction(() => {
        const outer = vault.seal('roll-1', MARIE);
        try {
          vault.withinTransaction(() => {
            rolledBack = vault.seal('roll-2', MARIE);
            throw new Error('one entry failed');
          });
        } catch {
          // the import skips that entry
        }
        return outer;
      });
      expect(vault.open(kept)).toEqual(MARIE);
      expect(vault.subjectStatus('roll-2')).toBe('unknown');
      expect(caught(() => vault.open(rolledBack!))).toBeInstanceOf(PersonalDataKeyMissingError);
    });

    it('refuses an async function (a transaction cannot span an await)', () => {
      const vault = openVault();
      expect(() => vault.withinTransaction((async () => vault.seal('roll-1', MARIE)) as unknown as () => SealedPersonalData)).toThrow();
    });

    it('forgetMany forgets every subject, and withinSnapshot reads consistently', () => {
      const vault = openVault();
      const sealed = vault.sealMany(Array.from({ length: 20 }, (_, i) => ({ subject: `roll-${i}`, fields: { lastName: `Nom ${i}` } })));
      vault.forgetMany(Array.from({ length: 10 }, (_, i) => `roll-${i}`));
      const opened = vault.withinSnapshot(() => sealed.map((s) => displayOrErased(vault.open(s), 'lastName')));
      expect(opened).toEqual([...Array.from({ length: 10 }, () => ERASED), ...Array.from({ length: 10 }, (_, i) => `Nom ${i + 10}`)]);
    });
  });
});
