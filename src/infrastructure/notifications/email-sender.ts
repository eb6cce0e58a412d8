import { createTransport } from 'nodemailer';
import { DeliveryError, type NotificationSender, type OutgoingNotification, type SentReceipt } from '../../application/ports/notification-sender.js';

export interface EmailSenderOptions {
  /** `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://user:password@host:465` (TLS). */
  url: string;
  /** `Primaire <no-reply@primaire.example>` or a bare address. */
  from: string;
  /** Connecting and waiting for the greeting (default 10 s each). */
  connectionTimeoutMs?: number;
  /** Silence allowed on an open connection (default 30 s). */
  socketTimeoutMs?: number;
}

/** What nodemailer attaches to its errors (see nodemailer's NodemailerError). */
interface SmtpError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  timeoutType?: string;
}

/** System errors meaning the server was never reached: nothing can have been sent. */
const UNREACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ECONNABORTED']);
/** Timeouts before the server accepted a command: nothing can have been sent. */
const EARLY_TIMEOUTS = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);

/**
 * E-mail over SMTP with nodemailer, one connection per message. The Message-ID is derived from
 * the notification id and the attempt, and is what the log records as the provider's id.
 * Errors become codes (`smtp-550`, `smtp-connection-refused`); the server's text, which may
 * quote the address, is dropped.
 */
export class EmailSender implements NotificationSender {
  readonly channel = 'email' as const;
  readonly transport = 'smtp';
  private readonly transporter;
  private readonly from: string;
  private readonly messageIdDomain: string;

  constructor(options: EmailSenderOptions) {
    const url = new URL(options.url);
    const secure = url.protocol === 'smtps:';
    this.from = options.from;
    this.messageIdDomain = /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'urne.localhost';
    this.transporter = createTransport({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      secure,
      ...(url.username === '' ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.connectionTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
      // Nodemailer's own log lines name the recipients: keep them off.
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: OutgoingNotification): Promise<SentReceipt> {
    const localPart = `${message.notificationId.replace(/[^A-Za-z0-9._-]/g, '_')}.${message.attempt}`;
    const messageId = `<${localPart}@${this.messageIdDomain}>`;
    let info: { messageId?: string; rejected?: unknown[] };
    try {
      info = await this.transporter.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.text,
        messageId,
        headers: { 'X-Urne-Notification': `${message.notificationId}:${message.attempt}` },
      });
    } catch (error) {
      throw classifySmtpError(error as SmtpError);
    }
    if (Array.isArray(info.rejected) && info.rejected.length > 0) throw new DeliveryError('smtp-recipient-rejected', 'permanent');
    return { providerMessageId: info.messageId ?? messageId };
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * How an SMTP failure is treated. A reply from the server is definite: 5xx (but 503) will not
 * change, 4xx may. Not reaching the server (refused, DNS, connect or greeting timeout, TLS,
 * authentication) sent nothing: retry. A connection lost or silent in the middle of the session
 * may have lost the server's "250 accepted" after the message was handed over: uncertain, so the
 * message is not sent twice.
 */
export function classifySmtpError(error: SmtpError): DeliveryError {
  const { code, originalCode, responseCode, timeoutType } = error ?? {};
  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 600) {
    return new DeliveryError(`smtp-${responseCode}`, responseCode >= 500 && responseCode !== 503 ? 'permanent' : 'retry');
  }
  if (originalCode !== undefined && UNREACHED.has(originalCode)) return new DeliveryError('smtp-unreachable', 'retry');
  switch (code) {
    case 'EDNS':
      return new DeliveryError('smtp-unreachable', 'retry');
    case 'EAUTH':
    case 'ENOAUTH':
      return new DeliveryError('smtp-auth-failed', 'retry');
    case 'ETLS':
    case 'EREQUIRETLS':
      return new DeliveryError('smtp-tls-failed', 'retry');
    case 'EENVELOPE':
      return new DeliveryError('smtp-invalid-envelope', 'permanent');
    case 'EMESSAGE':
      return new DeliveryError('smtp-invalid-message', 'permanent');
    case 'ETIMEDOUT':
      return timeoutType !== undefined && EARLY_TIMEOUTS.has(timeoutType)
        ? new DeliveryError('smtp-connect-timeout', 'retry')
        : new DeliveryError('smtp-timeout', 'uncertain');
    case 'ECONNECTION':
    case 'ESOCKET':
      return new DeliveryError('smtp-connection-lost', 'uncertain');
    default:
      return new DeliveryError('smtp-error', 'uncertain');
  }
}
