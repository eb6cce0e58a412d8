import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/application/ports/clock.js';
import { RateLimitedError } from '../../src/application/ports/rate-limiter.js';
import { loadAuthKeys, openSecretsDatabase, type SecretsDb } from '../../src/infrastructure/auth/secrets-database.js';
import { constantTimeEqual, SqliteOneTimeCodes } from '../../src/infrastructure/auth/sqlite-one-time-codes.js';
import { SqliteRateLimiter } from '../../src/infrastructure/auth/sqlite-rate-limiter.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';

const MINUTE = 60_000;

describe('one-time codes (secrets store on a real SQLite file)', () => {
  let dir: string;
  let file: string;
  let db: SecretsDb;
  let clock: ManualClock;
  let codes: SqliteOneTimeCodes;
  let limiter: SqliteRateLimiter;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-codes-'));
    file = join(dir, 'secrets.sqlite');
    db = openSecretsDatabase(file);
    clock = new ManualClock('2013-05-31T08:00:00Z');
    const keys = loadAuthKeys(db);
    limiter = new SqliteRateLimiter(db, keys, clock);
    codes = new SqliteOneTimeCodes(db, keys, clock, limiter);
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues 6 digits by default, up to 8 on request, from the whole range', async () => {
    const { code, expiresAt } = await codes.issue('sms-authentication', 'reg-1');
    expect(code).toMatch(/^\d{6}$/);
    expect(expiresAt.toISOString()).toBe('2013-05-31T08:10:00.000Z');
    expect((await codes.issue('phone-confirmation', 'reg-1', { digits: 8 })).code).toMatch(/^\d{8}$/);
    await expect(codes.issue('x', 'reg-1', { digits: 5 })).rejects.toThrow(RangeError);
    await expect(codes.issue('x', 'reg-1', { digits: 9 })).rejects.toThrow(RangeError);
    // Codes are not derived from the subject or the time: many subjects at one instant get many codes.
    const many = new Set<string>();
    for (let i = 0; i < 50; i++) many.add((await codes.issue('spread', `subject-${i}`)).code);
    expect(many.size).toBeGreaterThan(45);
  });

  it('accepts the right code once (single use), forgiving spaces', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1');
    expect(await codes.verify('sms-authentication', 'reg-1', `${code.slice(0, 3)} ${code.slice(3)}`)).toBe('valid');
    expect(await codes.verify('sms-authentication', 'reg-1', code)).toBe('none');
  });

  it('binds a code to its purpose and subject', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1');
    expect(await codes.verify('sms-authentication', 'reg-2', code)).toBe('none');
    expect(await codes.verify('email-confirmation', 'reg-1', code)).toBe('none');
    expect(await codes.verify('sms-authentication', 'reg-1', code)).toBe('valid');
  });

  it('expires after 10 minutes by default, or the given time', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1');
    clock.advance(10 * MINUTE - 1);
    const { code: other } = await codes.issue('sms-authentication', 'reg-2');
    clock.advance(1);
    expect(await codes.verify('sms-authentication', 'reg-1', code)).toBe('expired');
    expect(await codes.verify('sms-authentication', 'reg-2', other)).toBe('valid');
    const { code: short } = await codes.issue('sms-authentication', 'reg-3', { ttlMs: MINUTE });
    clock.advance(MINUTE);
    expect(await codes.verify('sms-authentication', 'reg-3', short)).toBe('expired');
  });

  it('locks after 5 wrong attempts: the right code no longer works', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 4; attempt++) expect(await codes.verify('sms-authentication', 'reg-1', wrong)).toBe('invalid');
    expect(await codes.verify('sms-authentication', 'reg-1', wrong)).toBe('locked');
    expect(await codes.verify('sms-authentication', 'reg-1', code)).toBe('locked');
  });

  it('counts malformed attempts like any other (same comparison path), and honours maxAttempts', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1', { maxAttempts: 3 });
    expect(await codes.verify('sms-authentication', 'reg-1', '')).toBe('invalid');
    expect(await codes.verify('sms-authentication', 'reg-1', `${code}0`)).toBe('invalid');
    expect(await codes.verify('sms-authentication', 'reg-1', 'abcdef')).toBe('locked');
  });

  it('compares in constant time through fixed-length HMACs (unequal lengths are simply unequal)', () => {
    const a = Buffer.from('0123456789abcdef0123456789abcdef');
    expect(constantTimeEqual(a, Buffer.from(a))).toBe(true);
    expect(constantTimeEqual(a, Buffer.from('1123456789abcdef0123456789abcdef'))).toBe(false);
    expect(constantTimeEqual(a, Buffer.from('0123456789abcdef0123456789abcdeF'))).toBe(false);
    expect(constantTimeEqual(a, Buffer.from('short'))).toBe(false);
  });

  it('a new code replaces the previous one (and resets the attempts)', async () => {
    const first = await codes.issue('sms-authentication', 'reg-1');
    const wrong = first.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await codes.verify('sms-authentication', 'reg-1', wrong);
    let second = await codes.issue('sms-authentication', 'reg-1');
    while (second.code === first.code) second = await codes.issue('sms-authentication', 'reg-1', { issueLimit: 100 });
    expect(await codes.verify('sms-authentication', 'reg-1', first.code)).toBe('invalid');
    expect(await codes.verify('sms-authentication', 'reg-1', second.code)).toBe('valid');
  });

  it('rate-limits issuing: 5 per hour per purpose and subject, then RATE_LIMITED with a retry delay', async () => {
    for (let i = 0; i < 5; i++) {
      await codes.issue('sms-authentication', 'reg-1');
      clock.advance(MINUTE);
    }
    const refusal = await codes.issue('sms-authentication', 'reg-1').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 55 * 60 } });
    // Other subjects and purposes are not affected; the window slides.
    await expect(codes.issue('sms-authentication', 'reg-2')).resolves.toBeDefined();
    await expect(codes.issue('email-confirmation', 'reg-1')).resolves.toBeDefined();
    clock.advance(55 * MINUTE);
    await expect(codes.issue('sms-authentication', 'reg-1')).resolves.toBeDefined();
  });

  it('revokes an outstanding code', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1');
    await codes.revoke('sms-authentication', 'reg-1');
    expect(await codes.verify('sms-authentication', 'reg-1', code)).toBe('none');
  });

  it('stores neither the code nor the subject, only keyed hashes; the file is private', async () => {
    const subject = 'phone:+33612345678';
    const { code } = await codes.issue('phone-confirmation', subject, { digits: 8 });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(file).toString('latin1');
    expect(bytes).not.toContain(code);
    expect(bytes).not.toContain('+33612345678');
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('shares state between connections (processes) opening the same file, and keeps its root secret', async () => {
    const { code } = await codes.issue('sms-authentication', 'reg-1');
    const other = openSecretsDatabase(file);
    try {
      const keys = loadAuthKeys(other);
      const second = new SqliteOneTimeCodes(other, keys, clock, new SqliteRateLimiter(other, keys, clock));
      expect(await second.verify('sms-authentication', 'reg-1', code)).toBe('valid');
      expect(await codes.verify('sms-authentication', 'reg-1', code)).toBe('none');
    } finally {
      other.close();
    }
  });

  it('derives its keys from URNE_MASTER_KEY when given: codes issued under another key do not verify', async () => {
    const withMaster = (key: MasterKey) => {
      const keys = loadAuthKeys(db, key);
      return new SqliteOneTimeCodes(db, keys, clock, new SqliteRateLimiter(db, keys, clock));
    };
    const a = withMaster(MasterKey.generate());
    const { code } = await a.issue('sms-authentication', 'reg-9');
    expect(await withMaster(MasterKey.generate()).verify('sms-authentication', 'reg-9', code)).toBe('none');
    expect(await a.verify('sms-authentication', 'reg-9', code)).toBe('valid');
  });
});
