/**
 * Short numeric one-time codes (the SMS authentication code, a phone-confirmation code...).
 *
 * A code is 6 to 8 digits from a CSPRNG, valid for a short time (10 minutes by default), for a
 * limited number of attempts (5), and once: a valid code is consumed. Issuing a new code for the
 * same purpose and subject replaces the previous one. Only an HMAC of (purpose, subject, code)
 * is stored, in the node's secrets store (never in an event, never in a log line); checking
 * compares in constant time. Issuing is rate limited per purpose and subject (5 per hour by
 * default): beyond, `issue` throws RateLimitedError (code RATE_LIMITED).
 *
 *   const { code, expiresAt } = await codes.issue('sms-authentication', registrationId);
 *   // send `code` (and only send it: do not log it, do not put it in an event)
 *   const outcome = await codes.verify('sms-authentication', registrationId, typed);
 *   if (outcome !== 'valid') ...
 */
export type OneTimeCodeOutcome =
  /** It matched: the code is now consumed. */
  | 'valid'
  /** It did not match; an attempt was counted. */
  | 'invalid'
  /** The code is past its expiry: issue a new one. */
  | 'expired'
  /** Too many wrong attempts (this one included): the code is dead, issue a new one. */
  | 'locked'
  /** No code is outstanding for this purpose and subject (never issued, or already used). */
  | 'none';

export interface IssueOneTimeCodeOptions {
  /** 6 (default) to 8. */
  digits?: number;
  /** Default 10 minutes. */
  ttlMs?: number;
  /** Wrong attempts allowed before the code is locked (default 5). */
  maxAttempts?: number;
  /** Codes issued per purpose and subject per `issueWindowMs` (default 5 per hour). */
  issueLimit?: number;
  issueWindowMs?: number;
}

export interface IssuedOneTimeCode {
  /** The code, to send to the person. Never log it, never put it in an event. */
  code: string;
  expiresAt: Date;
}

export interface OneTimeCodes {
  /**
   * A new code for `subject` (a registration id, a staff id...) and `purpose` (a short name:
   * `sms-authentication`, `phone-confirmation`...), replacing any outstanding one.
   * Throws RateLimitedError when too many were issued recently.
   */
  issue(purpose: string, subject: string, options?: IssueOneTimeCodeOptions): Promise<IssuedOneTimeCode>;
  verify(purpose: string, subject: string, code: string): Promise<OneTimeCodeOutcome>;
  /** Cancels the outstanding code, if any. */
  revoke(purpose: string, subject: string): Promise<void>;
}

export const ONE_TIME_CODES = Symbol.for('urne:OneTimeCodes');
