import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { NotificationChannel } from '../../domain/notifications/notification.events.js';
import { DeliveryError, type NotificationSender, type OutgoingNotification, type SentReceipt } from '../../application/ports/notification-sender.js';

export interface FileOutboxSenderOptions {
  /** The folder the messages go to (`<dataDir>/outbox`). */
  dir: string;
  /** The From of the .eml files. */
  from: string;
  /** Where the one-line notice goes (default: stderr). It never holds the code or the address. */
  print?: (line: string) => void;
}

/**
 * What a node does with messages when no SMTP server or SMS gateway is configured: each message
 * becomes a file in the outbox folder (`.eml` for an e-mail, a real RFC 5322 message any mail
 * client opens; `.txt` for an SMS), and a line on stderr says where it is. The file holds
 * everything (address, code), so that someone trying Urne on their machine can read every code;
 * the printed line holds neither, and it bypasses the JSON logs on purpose.
 */
export class FileOutboxSender implements NotificationSender {
  readonly transport = 'file-outbox';
  private readonly print: (line: string) => void;
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(
    readonly channel: NotificationChannel,
    private readonly options: FileOutboxSenderOptions,
  ) {
    this.print = options.print ?? ((line) => void process.stderr.write(line));
  }

  async send(message: OutgoingNotification): Promise<SentReceipt> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const safeId = message.notificationId.replace(/[^A-Za-z0-9_.-]/g, '_');
    const name = `${stamp}-${message.template}-${safeId}-${message.attempt}.${message.channel === 'email' ? 'eml' : 'txt'}`;
    const path = join(this.options.dir, name);
    try {
      const content = message.channel === 'email' ? await this.composeEmail(message) : composeSms(message);
      await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
      // Written aside, then renamed: a reader never sees half a message.
      await writeFile(`${path}.partial`, content, { mode: 0o600 });
      await rename(`${path}.partial`, path);
    } catch {
      throw new DeliveryError('outbox-write-failed', 'retry');
    }
    const what = message.channel === 'email' ? 'e-mail' : 'SMS';
    const instead = message.channel === 'email' ? 'no SMTP server configured (URNE_SMTP_URL)' : 'no SMS gateway configured (URNE_SMS_GATEWAY_URL)';
    this.print(`urne: ${what} "${message.template}" (notification ${message.notificationId}, attempt ${message.attempt}) written to ${path} — ${instead}\n`);
    return { providerMessageId: name };
  }

  private async composeEmail(message: OutgoingNotification): Promise<Buffer> {
    const info = await this.composer.sendMail({
      from: this.options.from,
      to: message.to,
      subject: message.subject ?? '',
      text: message.text,
      headers: { 'X-Urne-Notification': `${message.notificationId}:${message.attempt}` },
    });
    return info.message as Buffer;
  }
}

function composeSms(message: OutgoingNotification): string {
  return [`To: ${message.to}`, `Template: ${message.template}`, `Notification: ${message.notificationId} (attempt ${message.attempt})`, '', message.text, ''].join('\n');
}
