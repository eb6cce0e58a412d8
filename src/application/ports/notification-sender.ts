import type { NotificationChannel } from '../../domain/notifications/notification.events.js';

/** One rendered message, ready to go: the only place where the address and the secrets meet. */
export interface OutgoingNotification {
  readonly notificationId: string;
  /** 1-based; with the notification id, it makes the idempotency key of the attempt. */
  readonly attempt: number;
  readonly channel: NotificationChannel;
  readonly template: string;
  /** The e-mail address or the phone number (never logged, never recorded). */
  readonly to: string;
  /** E-mail only. */
  readonly subject?: string;
  readonly text: string;
}

export interface SentReceipt {
  /** What the provider calls the message (an SMTP Message-ID, a gateway id, a file name). No address, no secret. */
  readonly providerMessageId: string;
}

/**
 * How a failed send is to be treated:
 * - `retry`: nothing was delivered and a later attempt may succeed (connection refused, 4xx SMTP, 5xx gateway);
 * - `permanent`: nothing was delivered and trying again would fail the same way (550 no such user, 400);
 * - `uncertain`: the message may have been delivered (the connection broke after it was handed
 *   over, no answer came in time): it is not retried, so that nobody gets it twice.
 */
export type DeliveryOutcome = 'retry' | 'permanent' | 'uncertain';

/**
 * A send that did not succeed. `reason` is a code for the log (`smtp-550`, `gateway-http-503`,
 * `gateway-timeout`): never the server's text, which may quote the address.
 */
export class DeliveryError extends Error {
  constructor(
    readonly reason: string,
    readonly outcome: DeliveryOutcome,
  ) {
    super(`delivery ${outcome === 'uncertain' ? 'uncertain' : 'failed'}: ${reason}`);
    this.name = 'DeliveryError';
  }
}

/** Delivers messages of one channel (SMTP, an SMS gateway, the local outbox folder). */
export interface NotificationSender {
  readonly channel: NotificationChannel;
  /** For logs and health: `smtp`, `sms-gateway`, `file-outbox`. */
  readonly transport: string;
  /** Resolves once the provider accepted the message; rejects with a DeliveryError otherwise. */
  send(message: OutgoingNotification): Promise<SentReceipt>;
  close?(): Promise<void>;
}

export type NotificationSenders = Readonly<Record<NotificationChannel, NotificationSender>>;

export const NOTIFICATION_SENDERS = Symbol.for('urne:NotificationSenders');
