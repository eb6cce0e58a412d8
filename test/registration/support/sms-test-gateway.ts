import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  text: string;
  reference: string;
}

/** A local HTTP SMS gateway: checks the bearer token, answers 202, keeps every message. */
export class SmsTestGateway {
  readonly received: ReceivedSms[] = [];
  private readonly server: Server;
  private readonly waiters: Array<() => void> = [];
  url = '';

  constructor(readonly token: string) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${this.token}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedSms;
        this.received.push(body);
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${this.received.length}` }));
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/sms`;
    return this;
  }

  /** The `nth` (1-based) message sent to `to`, once it has arrived. */
  async message(to: string, nth = 1): Promise<ReceivedSms> {
    for (;;) {
      const found = this.received.filter((sms) => sms.to === to);
      if (found.length >= nth) return found[nth - 1]!;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
