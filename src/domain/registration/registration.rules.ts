/**
 * Registration rules that need no I/O: contact normalisation (before blind indexing), network
 * prefixes, disposable e-mail domains, fraud thresholds and how signals become review reasons.
 */

/** Fraud thresholds of an election (council-configurable; defaults below). */
export interface FraudThresholds {
  /** Registrations allowed per e-mail address. */
  maxPerEmail: number;
  /** Registrations allowed per phone number. */
  maxPerPhone: number;
  /** Registrations allowed per payment-instrument fingerprint. */
  maxPerPaymentFingerprint: number;
  /** Registrations allowed per network (/24 IPv4, /64 IPv6) per hour. */
  maxPerNetworkPerHour: number;
}

export const DEFAULT_FRAUD_THRESHOLDS: FraudThresholds = Object.freeze({
  maxPerEmail: 2,
  maxPerPhone: 2,
  maxPerPaymentFingerprint: 3,
  maxPerNetworkPerHour: 20,
});

export const SIGNAL_KINDS = ['email-reused', 'phone-reused', 'payment-reused', 'network-burst'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** A measured signal: `count` registrations (this one included) share the value; `limit` are allowed. */
export interface FraudSignal {
  kind: SignalKind;
  count: number;
  limit: number;
}

export const REVIEW_REASONS = [...SIGNAL_KINDS, 'disposable-email', 'homonym'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** The reasons a submission goes to the council's review queue (empty: none). */
export function reviewReasons(signals: readonly FraudSignal[], disposableEmail: boolean, rollMatches: number): ReviewReason[] {
  const reasons: ReviewReason[] = signals.filter((signal) => signal.count > signal.limit).map((signal) => signal.kind);
  if (disposableEmail) reasons.push('disposable-email');
  if (rollMatches > 1) reasons.push('homonym');
  return reasons;
}

/** Lower-case, trimmed e-mail address, or null when it is not one. */
export function normaliseEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  return email;
}

/**
 * A phone number in E.164 form (+33612345678), French national numbers (06 12 34 56 78,
 * 0033 6…) included; separators (spaces, dots, hyphens, parentheses) ignored. Null when not a number.
 */
export function normalisePhone(value: string): string | null {
  let digits = value.trim().replace(/[\s.\-()]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (/^0[1-9]\d{8}$/.test(digits)) digits = `+33${digits.slice(1)}`;
  if (digits.startsWith('+330')) digits = `+33${digits.slice(4)}`;
  return /^\+[1-9]\d{7,14}$/.test(digits) ? digits : null;
}

/** The network of a client address: `a.b.c.0/24` for IPv4, the first 64 bits for IPv6. */
export function networkPrefix(address: string): string {
  const value = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value);
  const v4 = mapped ? mapped[1]! : value;
  const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v4);
  if (octets) return `${octets[1]}.${octets[2]}.${octets[3]}.0/24`;
  if (value.includes(':')) {
    const [head = '', tail = ''] = value.split('::');
    const left = head === '' ? [] : head.split(':');
    const right = tail === '' ? [] : tail.split(':');
    const groups = value.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
    return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
  }
  return value;
}

/** A small list of throw-away e-mail domains (extend as needed). */
export const DISPOSABLE_EMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'mailinator.com',
  'yopmail.com',
  'yopmail.fr',
  'guerrillamail.com',
  'guerrillamail.net',
  '10minutemail.com',
  'temp-mail.org',
  'trashmail.com',
  'jetable.org',
  'throwawaymail.com',
  'getnada.com',
  'dispostable.com',
  'maildrop.cc',
  'sharklasers.com',
]);

export function isDisposableEmail(normalisedEmail: string): boolean {
  const domain = normalisedEmail.slice(normalisedEmail.lastIndexOf('@') + 1);
  return DISPOSABLE_EMAIL_DOMAINS.has(domain);
}

export const REJECTION_REASON_MAX_LENGTH = 500;
