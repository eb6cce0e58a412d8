import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../application/ports/clock.js';
import type { IssueOneTimeCodeOptions, IssuedOneTimeCode, OneTimeCodeOutcome, OneTimeCodes } from '../../application/ports/one-time-codes.js';
import type { RateLimiter } from '../../application/ports/rate-limiter.js';
import { AuthKeys, type SecretsDb } from './secrets-database.js';

export const ONE_TIME_CODE_DEFAULTS = {
  digits: 6,
  ttlMs: 10 * 60 * 1000,
  maxAttempts: 5,
  issueLimit: 5,
  issueWindowMs: 60 * 60 * 1000,
} as const;

const PURPOSE = /^[a-z][a-z0-9-]{0,63}$/;

interface CodeRow {
  code_hash: Buffer;
  expires_at: number;
  attempts: number;
  max_attempts: number;
}

/**
 * Equality of two byte strings in time that depends only on their length (node's
 * timingSafeEqual); different lengths are simply unequal. Codes are compared through their
 * HMACs, which always have the same length, so a code's length or digits never shorten the work.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * One-time codes in the secrets store: one row per (purpose, subject) slot, keyed by an HMAC of
 * both (a subject may be personal), holding HMAC(purpose, subject, code), expiry and attempts.
 * Verification is one IMMEDIATE transaction, so two concurrent checks cannot both use a code or
 * both skip the attempt count.
 */
export class SqliteOneTimeCodes implements OneTimeCodes {
  private readonly statements;
  private readonly dummy: Buffer;

  constructor(
    private readonly db: SecretsDb,
    private readonly keys: AuthKeys,
    private readonly clock: Clock,
    private readonly limiter: RateLimiter,
  ) {
    this.statements = {
      upsert: db.prepare(
        `INSERT INTO one_time_codes (slot, code_hash, issued_at, expires_at, attempts, max_attempts) VALUES (@slot, @codeHash, @issuedAt, @expiresAt, 0, @maxAttempts)
         ON CONFLICT (slot) DO UPDATE SET code_hash = excluded.code_hash, issued_at = excluded.issued_at, expires_at = excluded.expires_at, attempts = 0, max_attempts = excluded.max_attempts`,
      ),
      find: db.prepare<[Buffer], CodeRow>('SELECT code_hash, expires_at, attempts, max_attempts FROM one_time_codes WHERE slot = ?'),
      attempt: db.prepare<[Buffer]>('UPDATE one_time_codes SET attempts = attempts + 1 WHERE slot = ?'),
      delete: db.prepare<[Buffer]>('DELETE FROM one_time_codes WHERE slot = ?'),
      prune: db.prepare<[number]>('DELETE FROM one_time_codes WHERE expires_at <= ?'),
    };
    this.dummy = AuthKeys.hmac(keys.code, 'no code');
  }

  async issue(purpose: string, subject: string, options: IssueOneTimeCodeOptions = {}): Promise<IssuedOneTimeCode> {
    checkSlot(purpose, subject);
    const settings = { ...ONE_TIME_CODE_DEFAULTS, ...definedOnly(options) };
    if (!Number.isInteger(settings.digits) || settings.digits < 6 || settings.digits > 8) throw new RangeError('a one-time code has 6 to 8 digits');
    if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
    if (!(settings.ttlMs > 0)) throw new RangeError('ttlMs must be positive');

    await this.limiter.take([{ key: `otc-issue:${purpose}:${subject}`, limit: settings.issueLimit, windowMs: settings.issueWindowMs }]);

    const code = randomInt(0, 10 ** settings.digits).toString().padStart(settings.digits, '0');
    const now = this.clock.now().getTime();
    const expiresAt = now + settings.ttlMs;
    this.statements.prune.run(now - 24 * 60 * 60 * 1000);
    this.statements.upsert.run({ slot: this.slot(purpose, subject), codeHash: this.codeHash(purpose, subject, code), issuedAt: now, expiresAt, maxAttempts: settings.maxAttempts });
    return { code, expiresAt: new Date(expiresAt) };
  }

  async verify(purpose: string, subject: string, code: string): Promise<OneTimeCodeOutcome> {
    checkSlot(purpose, subject);
    const slot = this.slot(purpose, subject);
    // Spaces are forgiven ("123 456"); anything else is compared as typed.
    const candidate = this.codeHash(purpose, subject, typeof code === 'string' ? code.replace(/\s+/g, '') : '');
    const now = this.clock.now().getTime();
    return this.db
      .transaction((): OneTimeCodeOutcome => {
        const row = this.statements.find.get(slot);
        if (row === undefined) {
          constantTimeEqual(candidate, this.dummy);
          return 'none';
        }
        if (row.attempts >= row.max_attempts) return 'locked';
        if (now >= row.expires_at) return 'expired';
        if (constantTimeEqual(candidate, row.code_hash)) {
          this.statements.delete.run(slot);
          return 'valid';
        }
        this.statements.attempt.run(slot);
        return row.attempts + 1 >= row.max_attempts ? 'locked' : 'invalid';
      })
      .immediate();
  }

  async revoke(purpose: string, subject: string): Promise<void> {
    checkSlot(purpose, subject);
    this.statements.delete.run(this.slot(purpose, subject));
  }

  private slot(purpose: string, subject: string): Buffer {
    return AuthKeys.hmac(this.keys.codeSlot, JSON.stringify([purpose, subject]));
  }

  private codeHash(purpose: string, subject: string, code: string): Buffer {
    return AuthKeys.hmac(this.keys.code, JSON.stringify([purpose, subject, code]));
  }
}

function checkSlot(purpose: string, subject: string): void {
  if (typeof purpose !== 'string' || !PURPOSE.test(purpose)) throw new RangeError('a code purpose is a short lower-case name such as "sms-authentication"');
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 200) throw new RangeError('a code subject is a non-empty id of at most 200 characters');
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
