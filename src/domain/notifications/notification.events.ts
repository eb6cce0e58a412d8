import type { DomainEvent } from '../shared/decider.js';

/**
 * A notification is one message (an e-mail or an SMS) that the system owes a person, and the
 * record of every attempt to deliver it. Its stream is `notification-<notificationId>`.
 *
 * What the log holds, and what it never holds:
 * - the person is named by a `subject` (the stream of the person, e.g. `registration-<id>`),
 *   never by an address or a phone number: those are looked up at send time and can be erased;
 * - a template may need a fresh secret (a confirmation code, an access code): it is issued at
 *   send time and goes into the message only, never into an event;
 * - failure reasons are short machine codes (`smtp-550`, `gateway-http-503`), never a server's
 *   free text, which may quote the address.
 */

export const NOTIFICATION_CHANNELS = ['email', 'sms'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** How often, and how patiently, delivery is retried after a failure that may pass. */
export interface RetryPolicy {
  /** Attempts in all, counting the first (1 = never retried). */
  readonly maxAttempts: number;
  /** Delay before the first retry; it doubles at each retry, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Non-secret, non-personal values a template fills in (an election title, a deadline…). */
export type NotificationParameters = Readonly<Record<string, string>>;

export type NotificationRequested = DomainEvent<
  'NotificationRequested',
  {
    notificationId: string;
    channel: NotificationChannel;
    template: string;
    /** Who it is for: the stream of the person (`registration-<id>`), resolved to an address at send time. */
    subject: string;
    parameters: NotificationParameters;
    retry: RetryPolicy;
  }
>;

/**
 * A dispatcher took attempt `attempt`: it is appended at the stream's expected revision before
 * anything is sent, so only one dispatcher can ever hold an attempt. If no outcome follows by
 * `leaseExpiresAt`, the attempt is recorded as uncertain and never retried automatically.
 */
export type NotificationDispatchStarted = DomainEvent<'NotificationDispatchStarted', { notificationId: string; attempt: number; leaseExpiresAt: string }>;

/** The provider accepted the message (an SMTP 250, a gateway 2xx, a file written). */
export type NotificationSent = DomainEvent<'NotificationSent', { notificationId: string; attempt: number; providerMessageId: string }>;

/** The attempt definitely did not deliver. `retryAt` is null when no retry follows. */
export type NotificationFailed = DomainEvent<
  'NotificationFailed',
  { notificationId: string; attempt: number; reason: string; permanent: boolean; retryAt: string | null }
>;

/** No further attempt will be made: the failure was permanent, or the attempts ran out. */
export type NotificationAbandoned = DomainEvent<'NotificationAbandoned', { notificationId: string; attempts: number; reason: string }>;

/**
 * The attempt may or may not have delivered (its dispatcher died, or the connection broke after
 * the message was handed over). It is never retried automatically, so that nobody receives a
 * message twice; an operator can request a new notification.
 */
export type NotificationDeliveryUncertain = DomainEvent<'NotificationDeliveryUncertain', { notificationId: string; attempt: number; reason: string }>;

export type NotificationEvent =
  | NotificationRequested
  | NotificationDispatchStarted
  | NotificationSent
  | NotificationFailed
  | NotificationAbandoned
  | NotificationDeliveryUncertain;

/** Every notification event type starts with this: the filter of the outbox projection. */
export const NOTIFICATION_EVENT_PREFIX = 'Notification';

export const NOTIFICATION_STREAM_CATEGORY = 'notification';

export function notificationStream(notificationId: string): string {
  return `${NOTIFICATION_STREAM_CATEGORY}-${notificationId}`;
}
