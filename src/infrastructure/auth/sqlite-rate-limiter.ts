import type { Clock } from '../../application/ports/clock.js';
import { RateLimitedError, type RateLimit, type RateLimiter, type RateLimitTicket } from '../../application/ports/rate-limiter.js';
import { AuthKeys, type SecretsDb } from './secrets-database.js';

/** Hits older than this are deleted; no window may be longer. */
export const MAX_RATE_LIMIT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Sliding-window counters in the secrets store: one row per attempt, with its time. Buckets are
 * stored as an HMAC of their key, so the store does not keep the usernames (or mistyped
 * passwords) and addresses that were counted. Taking slots is one IMMEDIATE transaction: atomic
 * across processes sharing the file.
 */
export class SqliteRateLimiter implements RateLimiter {
  private readonly statements;

  constructor(
    private readonly db: SecretsDb,
    private readonly keys: AuthKeys,
    private readonly clock: Clock,
  ) {
    this.statements = {
      count: db.prepare<[Buffer, number], { n: number }>('SELECT COUNT(*) AS n FROM rate_limit_hits WHERE bucket = ? AND at > ?'),
      nth: db.prepare<[Buffer, number, number], { at: number }>('SELECT at FROM rate_limit_hits WHERE bucket = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?'),
      insert: db.prepare<[Buffer, number]>('INSERT INTO rate_limit_hits (bucket, at) VALUES (?, ?)'),
      delete: db.prepare<[number]>('DELETE FROM rate_limit_hits WHERE id = ?'),
      clear: db.prepare<[Buffer]>('DELETE FROM rate_limit_hits WHERE bucket = ?'),
      prune: db.prepare<[number]>('DELETE FROM rate_limit_hits WHERE at <= ?'),
    };
  }

  async take(limits: readonly RateLimit[]): Promise<RateLimitTicket> {
    for (const limit of limits) {
      if (!Number.isInteger(limit.limit) || limit.limit < 1) throw new RangeError(`rate limit ${limit.limit} must be a positive integer`);
      if (!(limit.windowMs > 0 && limit.windowMs <= MAX_RATE_LIMIT_WINDOW_MS)) throw new RangeError(`rate-limit window must be from 1 ms to 24 h`);
    }
    const now = this.clock.now().getTime();
    const ids = this.db
      .transaction(() => {
        this.statements.prune.run(now - MAX_RATE_LIMIT_WINDOW_MS);
        let retryAfterMs = 0;
        const buckets = limits.map((limit) => ({ limit, bucket: this.bucket(limit.key) }));
        for (const { limit, bucket } of buckets) {
          const since = now - limit.windowMs;
          const count = this.statements.count.get(bucket, since)!.n;
          if (count < limit.limit) continue;
          // The slot frees up when the (count - limit + 1)-th oldest hit in the window leaves it.
          const freedBy = this.statements.nth.get(bucket, since, count - limit.limit)!.at;
          retryAfterMs = Math.max(retryAfterMs, freedBy + limit.windowMs - now);
        }
        if (retryAfterMs > 0) throw new RateLimitedError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
        return buckets.map(({ bucket }) => Number(this.statements.insert.run(bucket, now).lastInsertRowid));
      })
      .immediate();
    return {
      release: async () => {
        for (const id of ids) this.statements.delete.run(id);
      },
    };
  }

  async clear(key: string): Promise<void> {
    this.statements.clear.run(this.bucket(key));
  }

  private bucket(key: string): Buffer {
    return AuthKeys.hmac(this.keys.rateLimit, key);
  }
}
