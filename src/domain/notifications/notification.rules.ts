import type { RetryPolicy } from './notification.events.js';

/**
 * The checks that keep secrets and personal data out of notification events. They cannot prove a
 * string harmless, but they refuse the usual ways one slips in: a parameter named like a secret,
 * a value that is an e-mail address or a phone number, a failure reason copied from a server's
 * free text.
 */

export const NOTIFICATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const TEMPLATE_NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** `category-id`: the stream of the person (`registration-<id>`), whose directory gives the address. */
export const SUBJECT_PATTERN = /^[a-z][a-z0-9]*-[A-Za-z0-9][A-Za-z0-9_.:-]{0,190}$/;
const PARAMETER_NAME_PATTERN = /^[a-z][A-Za-z0-9]{0,39}$/;
const MAX_PARAMETERS = 20;
const MAX_PARAMETER_LENGTH = 1000;

/** Parameter names that announce a secret (compared lower-case). */
const SECRET_NAME_FRAGMENTS = ['code', 'password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'privatekey', 'apikey', 'otp'];

const EMAIL_LIKE = /[^\s@<>()[\]]+@[^\s@<>()[\]]+\.[^\s@<>()[\]]+/;
/**
 * `+33 6 12 34 56 78`, `0612345678`, `06.12.34.56.78`: a leading + or 0 and at least 9 more digits,
 * standing alone (not a piece of a UUID or of a longer identifier).
 */
const PHONE_LIKE = /(?<![\w.-])(?:\+|0)\d(?:[ .-]?\d){8,}(?![\w-])/;

/** Failure reasons are codes: lower-case words and at most a 3-digit status (`smtp-550`, `gateway-timeout`). */
const REASON_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_REASON_LENGTH = 64;
const LONG_DIGIT_RUN = /\d{4}/;

const PROVIDER_MESSAGE_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function isSecretParameterName(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAME_FRAGMENTS.some((fragment) => lower.includes(fragment));
}

export function looksLikePersonalContact(value: string): boolean {
  return EMAIL_LIKE.test(value) || PHONE_LIKE.test(value);
}

/** Why the parameters are refused, or null when they are acceptable. */
export function parameterProblem(parameters: Readonly<Record<string, unknown>>): { code: string; message: string; name?: string } | null {
  const entries = Object.entries(parameters);
  if (entries.length > MAX_PARAMETERS) return { code: 'TooManyParameters', message: `A notification takes at most ${MAX_PARAMETERS} parameters` };
  for (const [name, value] of entries) {
    if (!PARAMETER_NAME_PATTERN.test(name)) return { code: 'InvalidParameter', message: `Parameter names are camelCase words (got ${JSON.stringify(name.slice(0, 40))})`, name };
    if (typeof value !== 'string' || value.length > MAX_PARAMETER_LENGTH)
      return { code: 'InvalidParameter', message: `Parameter ${name} must be a string of at most ${MAX_PARAMETER_LENGTH} characters`, name };
    if (isSecretParameterName(name))
      return { code: 'SecretInParameters', message: `Parameter ${name} looks like a secret: secrets are issued at send time (SecretIssuer), never stored in the log`, name };
    if (looksLikePersonalContact(value))
      return { code: 'PersonalDataInParameters', message: `Parameter ${name} looks like an e-mail address or a phone number: the address comes from the recipient directory at send time`, name };
  }
  return null;
}

export function isReasonCode(reason: string): boolean {
  return reason.length <= MAX_REASON_LENGTH && REASON_PATTERN.test(reason) && !LONG_DIGIT_RUN.test(reason);
}

export function isProviderMessageId(id: string): boolean {
  return PROVIDER_MESSAGE_ID_PATTERN.test(id);
}

export function retryPolicyProblem(policy: RetryPolicy): string | null {
  if (!Number.isSafeInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > 20) return 'maxAttempts must be an integer from 1 to 20';
  if (!Number.isSafeInteger(policy.baseDelayMs) || policy.baseDelayMs < 0) return 'baseDelayMs must be a non-negative integer';
  if (!Number.isSafeInteger(policy.maxDelayMs) || policy.maxDelayMs < policy.baseDelayMs) return 'maxDelayMs must be an integer at least baseDelayMs';
  return null;
}

/**
 * Exponential back-off with "equal jitter": the delay before retry number `failedAttempt` is
 * min(maxDelay, base × 2^(failedAttempt−1)), of which the second half is random (jitter in [0, 1)),
 * so that messages failing together do not all come back together.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, jitter: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
  const unit = Math.min(Math.max(jitter, 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}
