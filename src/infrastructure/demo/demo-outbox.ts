import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the demo reads in the messages it receives: a template, its channel, and the code in its text. */
export interface OutboxTemplate {
  name: string;
  channel: 'email' | 'sms';
  code: RegExp;
}

/** Base 58 in groups of three: a Belenios private credential as the access-code e-mail gives it. */
const ACCESS_CODE = /[1-9A-HJ-NP-Za-km-z]{3}(?:-[1-9A-HJ-NP-Za-km-z]{3}){4}/;

export const OUTBOX_TEMPLATES = {
  registrationEmail: { name: 'registration-email-confirmation', channel: 'email', code: /code[^\d\n]{0,20}(\d{6,8})/i },
  registrationPhone: { name: 'registration-phone-confirmation', channel: 'sms', code: /code[^\d\n]{0,20}(\d{6,8})/i },
  accessCode: { name: 'access-code', channel: 'email', code: new RegExp(`access code to vote[^\\n]*?: (${ACCESS_CODE.source})`) },
  votingCode: { name: 'voting-sign-in-code', channel: 'sms', code: /code[^\d\n]{0,20}(\d{6,8})/i },
} as const satisfies Record<string, OutboxTemplate>;

/** Decodes a quoted-printable or base64 body of a single-part e-mail (as written to the file outbox). */
export function decodeBody(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).trim();
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const joined = body.replace(/=\r?\n/g, '');
    return Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
  }
  return body;
}

const digits = (value: string) => value.replace(/\D/g, '').slice(-9);

/**
 * Reads the codes the application sends from the file outbox (`<data>/outbox/`: `.eml` e-mails,
 * `.txt` SMS, written by the default senders), as the person would read their mail and SMS.
 */
export class OutboxReader {
  private readonly seen = new Set<string>();
  /** Codes per `template|recipient`, oldest first, not yet taken. */
  private readonly codes = new Map<string, string[]>();
  private readonly templates: readonly OutboxTemplate[] = Object.values(OUTBOX_TEMPLATES);
  /** One pass over the folder at a time, shared by everyone waiting for a message. */
  private scanning: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    private readonly waitMs = 30_000,
  ) {}

  private recipientKey(template: OutboxTemplate, recipient: string): string {
    return `${template.name}|${template.channel === 'email' ? recipient.toLowerCase() : digits(recipient)}`;
  }

  private scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (this.seen.has(name) || name.endsWith('.partial')) continue;
      this.seen.add(name);
      const template = this.templates.find((t) => name.includes(`-${t.name}-`));
      if (!template) continue;
      const raw = await readFile(join(this.dir, name), 'utf8');
      const to = /^To:\s*(.+)$/im.exec(raw)?.[1]?.trim() ?? '';
      // The body only: the headers name the notification, whose id may hold digits after "code".
      const text = template.channel === 'email' ? decodeBody(raw) : raw.slice(Math.max(0, raw.search(/\r?\n\r?\n/)));
      const code = template.code.exec(text)?.[1];
      if (!code) continue;
      const recipient = template.channel === 'email' ? (/[^\s<>"]+@[^\s<>"]+/.exec(to)?.[0] ?? to) : to;
      const key = this.recipientKey(template, recipient);
      this.codes.set(key, [...(this.codes.get(key) ?? []), code]);
    }
  }

  /** The oldest unused code sent with this template to this recipient; waits for it (up to 30 s). */
  async take(template: OutboxTemplate, recipient: string): Promise<string> {
    const key = this.recipientKey(template, recipient);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const queue = this.codes.get(key);
      if (queue && queue.length > 0) return queue.shift()!;
      if (Date.now() > deadline) throw new Error(`no ${template.name} message for ${template.channel === 'email' ? 'an e-mail address' : 'a phone'} in ${this.dir} after ${this.waitMs / 1000} s`);
      await this.scan();
      if ((this.codes.get(key)?.length ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
