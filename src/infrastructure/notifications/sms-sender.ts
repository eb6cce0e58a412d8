import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isProviderMessageId, looksLikePersonalContact } from '../../domain/notifications/notification.rules.js';
import { DeliveryError, type NotificationSender, type OutgoingNotification, type SentReceipt } from '../../application/ports/notification-sender.js';

export interface SmsSenderOptions {
  /** The gateway's endpoint: messages are POSTed to it. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. Never logged. */
  token: string;
  /** Connecting, then waiting for the answer (default 15 s). */
  timeoutMs?: number;
}

/** The largest answer read from the gateway. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** 4xx answers that say "not now" or "not with these credentials", not "never". */
const RETRYABLE_CLIENT_ERRORS = new Set([401, 403, 408, 409, 425, 429]);

/**
 * SMS through an HTTP gateway: `POST <url>` with `Authorization: Bearer <token>`,
 * `Idempotency-Key: <notificationId>:<attempt>` and the JSON body `{ to, text, reference }`
 * (reference = the notification id). A 2xx answer means accepted; its JSON `id` (or `messageId`)
 * is recorded as the provider's id.
 *
 * - 5xx, 401/403 (credentials), 408/409/425/429 (not now), connection refused: retried later;
 * - other 4xx: permanent (the gateway refuses this message);
 * - no answer after the request was sent, or the connection cut before the answer: uncertain (the
 *   gateway may have sent the SMS): not retried automatically.
 */
export class SmsSender implements NotificationSender {
  readonly channel = 'sms' as const;
  readonly transport = 'sms-gateway';
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: SmsSenderOptions) {
    this.url = new URL(options.url);
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  send(message: OutgoingNotification): Promise<SentReceipt> {
    const body = Buffer.from(JSON.stringify({ to: message.to, text: message.text, reference: message.notificationId }));
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<SentReceipt>((resolve, reject) => {
      let requestSent = false;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (reason: string, outcome: 'retry' | 'permanent' | 'uncertain') => settle(() => reject(new DeliveryError(reason, outcome)));

      const req: ClientRequest = request(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          'content-length': String(body.length),
          accept: 'application/json',
          'idempotency-key': `${message.notificationId}:${message.attempt}`,
        },
      });
      const timer = setTimeout(() => {
        // Before the whole request was out, the gateway cannot have acted on it.
        fail(requestSent ? 'gateway-timeout' : 'gateway-connect-timeout', requestSent ? 'uncertain' : 'retry');
        req.destroy();
      }, this.timeoutMs);

      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!requestSent) fail('gateway-unreachable', 'retry');
        else fail(error.code === 'ECONNRESET' ? 'gateway-connection-lost' : 'gateway-error', 'uncertain');
      });
      req.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on('error', () => {
          if (status >= 200 && status < 300) settle(() => resolve({ providerMessageId: fallbackId(message) }));
          else fail('gateway-connection-lost', 'uncertain');
        });
        response.on('end', () => {
          if (status >= 200 && status < 300) {
            settle(() => resolve({ providerMessageId: providerId(Buffer.concat(chunks), message) }));
          } else if (status >= 500) {
            fail(`gateway-http-${status}`, 'retry');
          } else if (status >= 400) {
            fail(`gateway-http-${status}`, RETRYABLE_CLIENT_ERRORS.has(status) ? 'retry' : 'permanent');
          } else {
            fail(`gateway-http-${status}`, 'uncertain');
          }
        });
      });
      req.end(body, () => {
        requestSent = true;
      });
    });
  }
}

function fallbackId(message: OutgoingNotification): string {
  return `${message.notificationId}:${message.attempt}`;
}

/** The gateway's id for the message (`id` or `messageId` in its JSON answer), if it gave a usable one. */
function providerId(body: Buffer, message: OutgoingNotification): string {
  try {
    const answer = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const id = answer.id ?? answer.messageId ?? answer.message_id;
    // Printable, short, and not a phone number or an address echoed back.
    if ((typeof id === 'string' || typeof id === 'number') && isProviderMessageId(String(id)) && !looksLikePersonalContact(String(id))) return String(id);
  } catch {
    // Not JSON: accepted all the same.
  }
  return fallbackId(message);
}
