import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope recipients (RCPT TO). */
  rcptTo: string[];
  /** Who logged in (AUTH). */
  user: string | undefined;
  parsed: ParsedMail;
}

export interface SmtpTestServerOptions {
  user?: string;
  password?: string;
  /** A reply code (e.g. 550, 451) to refuse this RCPT TO with, or undefined to accept it. */
  rcptReply?: (address: string, attempt: number) => number | undefined;
  /**
   * Called when a message has been received in full; while its promise is pending, the server does
   * not answer "250": the client is left waiting (the crash tests kill it then).
   */
  holdAnswer?: (mail: ReceivedMail) => Promise<void> | undefined;
}

/** A real SMTP server on 127.0.0.1 (smtp-server), keeping every message it receives (parsed with mailparser). */
export class SmtpTestServer {
  readonly received: ReceivedMail[] = [];
  readonly rcptAttempts = new Map<string, number>();
  private readonly server: SMTPServer;
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  port = 0;

  constructor(private readonly options: SmtpTestServerOptions = {}) {
    const user = options.user ?? 'urne';
    const password = options.password ?? 'smtp-password-not-for-logs';
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === user && auth.password === password) callback(null, { user });
        else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo: (address, _session, callback) => {
        const attempt = (this.rcptAttempts.get(address.address) ?? 0) + 1;
        this.rcptAttempts.set(address.address, attempt);
        const reply = options.rcptReply?.(address.address, attempt);
        if (reply === undefined) callback();
        else callback(Object.assign(new Error(`Mailbox ${address.address} unavailable`), { responseCode: reply }));
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then(async (parsed) => {
            const mail: ReceivedMail = { rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address), user: session.user as string | undefined, parsed };
            this.received.push(mail);
            this.wake();
            await this.options.holdAnswer?.(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    this.server.on('error', () => undefined);
  }

  get url(): string {
    return `smtp://${this.options.user ?? 'urne'}:${this.options.password ?? 'smtp-password-not-for-logs'}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = ((this.server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    return this;
  }

  /** Resolves once `count` messages have arrived. */
  waitForMessages(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (this.received.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
