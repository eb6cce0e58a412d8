import { DomainError } from '../../domain/shared/decider.js';

/**
 * Too many attempts in a window (failed sign-ins, codes issued...). Reaches GraphQL clients as
 * `extensions.code: "RATE_LIMITED"` with `details.retryAfterSeconds`.
 */
export class RateLimitedError extends DomainError<'RATE_LIMITED'> {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many attempts. Try again in ${describeDelay(retryAfterSeconds)}.`, { retryAfterSeconds });
    this.name = 'RateLimitedError';
  }
}

function describeDelay(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** One sliding-window limit: at most `limit` attempts per `windowMs` in the bucket `key`. */
export interface RateLimit {
  /** What is counted, e.g. `signin-user:alice`. Stored only as a keyed hash. */
  key: string;
  limit: number;
  windowMs: number;
}

/** The slots an attempt took: give them back when the attempt turns out not to count (a success). */
export interface RateLimitTicket {
  release(): Promise<void>;
}

/**
 * Sliding-window rate limits, shared by every node that shares the secrets store.
 * `take` counts the attempt before it is made, atomically for all its buckets, so that parallel
 * attempts cannot slip through between a check and a record.
 */
export interface RateLimiter {
  /** Takes one slot in every bucket, or none and throws RateLimitedError if one of them is full. */
  take(limits: readonly RateLimit[]): Promise<RateLimitTicket>;
  /** Forgets every attempt in a bucket (e.g. a user's failed sign-ins once they succeed). */
  clear(key: string): Promise<void>;
}

export const RATE_LIMITER = Symbol.for('urne:RateLimiter');
