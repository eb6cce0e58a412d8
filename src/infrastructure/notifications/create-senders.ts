import type { NotificationSenders } from '../../application/ports/notification-sender.js';
import type { AppConfig } from '../config/app-config.js';
import { EmailSender } from './email-sender.js';
import { FileOutboxSender } from './file-outbox-sender.js';
import { SmsSender } from './sms-sender.js';

export type SenderConfig = Pick<AppConfig, 'smtpUrl' | 'mailFrom' | 'smsGatewayUrl' | 'smsGatewayToken' | 'outboxDir'>;

/**
 * The senders the configuration asks for: SMTP when URNE_SMTP_URL is set, the SMS gateway when
 * URNE_SMS_GATEWAY_URL is set, and otherwise the local outbox folder, so that a node with no
 * configuration still shows every message (and every code) to whoever runs it.
 */
export function createNotificationSenders(config: SenderConfig, options: { print?: (line: string) => void } = {}): NotificationSenders {
  const outbox = { dir: config.outboxDir, from: config.mailFrom, ...(options.print ? { print: options.print } : {}) };
  return {
    email: config.smtpUrl === undefined ? new FileOutboxSender('email', outbox) : new EmailSender({ url: config.smtpUrl, from: config.mailFrom }),
    sms:
      config.smsGatewayUrl === undefined || config.smsGatewayToken === undefined
        ? new FileOutboxSender('sms', outbox)
        : new SmsSender({ url: config.smsGatewayUrl, token: config.smsGatewayToken }),
  };
}

/** Where messages go, for the startup log line: endpoints without credentials, never a token. */
export function describeSenders(config: SenderConfig): Record<string, string> {
  return {
    email: config.smtpUrl === undefined ? `file-outbox ${config.outboxDir}` : `smtp ${endpointOf(config.smtpUrl)}`,
    sms: config.smsGatewayUrl === undefined ? `file-outbox ${config.outboxDir}` : `sms-gateway ${endpointOf(config.smsGatewayUrl)}`,
  };
}

function endpointOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'configured';
  }
}
