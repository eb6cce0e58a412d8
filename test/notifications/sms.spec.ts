import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ManualClock } from '../../src/application/ports/clock.js';
import type { NotificationSenders } from '../../src/application/ports/notification-sender.js';
import { FileOutboxSender } from '../../src/infrastructure/notifications/file-outbox-sender.js';
import { SmsSender } from '../../src/infrastructure/notifications/sms-sender.js';
import { findInFiles, NotificationHarness, person, sqliteFiles } from './support/harness.js';

const TOKEN = 'gateway-token-never-logged';

interface GatewayRequest {
  method: string | undefined;
  path: string | undefined;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  contentType: string | undefined;
  body: { to: string; text: string; reference: string };
}

/** A local SMS gateway (node:http): answers each request as `reply` says, and keeps what it received. */
class TestGateway {
  readonly requests: GatewayRequest[] = [];
  private readonly server: Server;
  private readonly held: ServerResponse[] = [];
  url = '';

  constructor(private readonly reply: (request: GatewayRequest, index: number) => { status: number; body?: unknown } | 'hold') {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: GatewayRequest = {
          method: req.method,
          path: req.url,
          authorization: req.headers.authorization,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          contentType: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        };
        this.requests.push(received);
        if (received.authorization !== `Bearer ${TOKEN}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
          return;
        }
        const answer = this.reply(received, this.requests.length - 1);
        if (answer === 'hold') {
          this.held.push(res);
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/sms`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('SMS notifications through an HTTP gateway (a local node:http server)', () => {
  let harness: NotificationHarness;
  let clock: ManualClock;
  let gateway: TestGateway;

  const senders = (options: { token?: string; timeoutMs?: number } = {}): NotificationSenders => ({
    email: new FileOutboxSender('email', { dir: join(harness.dir, 'outbox'), from: 'no-reply@primaire.example', print: () => undefined }),
    sms: new SmsSender({ url: gateway.url, token: options.token ?? TOKEN, timeoutMs: options.timeoutMs ?? 5_000 }),
  });

  beforeEach(() => {
    harness = new NotificationHarness();
    clock = harness.clock as ManualClock;
  });
  afterEach(async () => {
    await harness.close();
    await gateway.close();
  });

  it('posts { to, text, reference } with the bearer token and an idempotency key per attempt; a 500 is retried after its back-off, then the 200 is recorded with the gateway id', async () => {
    gateway = await new TestGateway((_request, index) => (index === 0 ? { status: 500, body: { error: 'upstream down' } } : { status: 202, body: { id: 'sms-7781' } })).start();
    const paul = harness.add(person());
    const notificationId = randomUUID();
    const dispatcher = harness.dispatcher(senders(), { random: () => 0 });
    dispatcher.start();
    const requestedAt = clock.now().getTime();
    await harness.requests.request({ notificationId, channel: 'sms', template: 'registration-phone-confirmation', recipient: { subject: paul.subject } });

    const [, , failure] = await harness.waitFor(notificationId, 'NotificationFailed');
    // Attempt 1 failed: base delay 60 s, jitter 0 → the lower half, 30 s.
    expect(failure!.data).toEqual({ notificationId, attempt: 1, reason: 'gateway-http-500', permanent: false, retryAt: new Date(requestedAt + 30_000).toISOString() });
    await harness.runner.waitForPosition(failure!.position);
    await dispatcher.wake();
    await dispatcher.settled();
    expect(gateway.requests).toHaveLength(1);

    clock.advance(30_000);
    await dispatcher.wake();
    const events = await harness.waitFor(notificationId, 'NotificationSent');

    expect(gateway.requests).toHaveLength(2);
    const [first, second] = gateway.requests;
    for (const [request, attempt] of [
      [first!, 1],
      [second!, 2],
    ] as const) {
      const code = harness.issued[attempt - 1]!.code;
      expect(request).toEqual({
        method: 'POST',
        path: '/v1/sms',
        authorization: `Bearer ${TOKEN}`,
        idempotencyKey: `${notificationId}:${attempt}`,
        contentType: 'application/json',
        body: { to: paul.phone, text: `Code de confirmation de votre inscription : ${code}\nRegistration confirmation code: ${code}`, reference: notificationId },
      });
    }
    expect(events.map((event) => event.type)).toEqual([
      'NotificationRequested',
      'NotificationDispatchStarted',
      'NotificationFailed',
      'NotificationDispatchStarted',
      'NotificationSent',
    ]);
    expect(events.at(-1)!.data).toEqual({ notificationId, attempt: 2, providerMessageId: 'sms-7781' });

    const secrets = [...harness.issued.map((issued) => issued.code), paul.phone!, TOKEN];
    expect(findInFiles([...sqliteFiles(join(harness.dir, 'events.sqlite')), ...sqliteFiles(join(harness.dir, 'read-models.sqlite'))], secrets)).toEqual([]);
    for (const secret of secrets) expect(harness.logLines.join('')).not.toContain(secret);
  });

  it('a 400 is a permanent failure: abandoned after one request', async () => {
    gateway = await new TestGateway(() => ({ status: 400, body: { error: 'invalid number +33 6 00 00 00 00' } })).start();
    const someone = harness.add(person());
    const notificationId = randomUUID();
    const dispatcher = harness.dispatcher(senders());
    dispatcher.start();
    await harness.requests.request({ notificationId, channel: 'sms', template: 'authentication-code', recipient: { subject: someone.subject } });

    const events = await harness.waitFor(notificationId, 'NotificationAbandoned');
    expect(events.slice(2).map((event) => event.data)).toEqual([
      { notificationId, attempt: 1, reason: 'gateway-http-400', permanent: true, retryAt: null },
      { notificationId, attempts: 1, reason: 'gateway-http-400' },
    ]);
    clock.advance(24 * 3600_000);
    await dispatcher.wake();
    await dispatcher.settled();
    expect(gateway.requests).toHaveLength(1);
  });

  it('a wrong token (401) is retried rather than abandoned: it is the configuration that is wrong, not the message', async () => {
    gateway = await new TestGateway(() => ({ status: 200 })).start();
    const someone = harness.add(person());
    const notificationId = randomUUID();
    harness.dispatcher(senders({ token: 'not-the-right-token' })).start();
    await harness.requests.request({ notificationId, channel: 'sms', template: 'authentication-code', recipient: { subject: someone.subject } });
    const events = await harness.waitFor(notificationId, 'NotificationFailed');
    expect(events[2]!.data).toMatchObject({ reason: 'gateway-http-401', permanent: false, retryAt: expect.any(String) });
    expect(gateway.requests[0]!.authorization).toBe('Bearer not-the-right-token');
  });

  it('no answer after the request went out is uncertain: recorded as such and never sent again', async () => {
    gateway = await new TestGateway(() => 'hold').start();
    const someone = harness.add(person());
    const notificationId = randomUUID();
    const dispatcher = harness.dispatcher(senders({ timeoutMs: 300 }));
    dispatcher.start();
    await harness.requests.request({ notificationId, channel: 'sms', template: 'authentication-code', recipient: { subject: someone.subject } });

    const events = await harness.waitFor(notificationId, 'NotificationDeliveryUncertain');
    expect(events.at(-1)!.data).toEqual({ notificationId, attempt: 1, reason: 'gateway-timeout' });
    clock.advance(24 * 3600_000);
    await harness.runner.waitForPosition(events.at(-1)!.position);
    await dispatcher.wake();
    await dispatcher.settled();
    expect(gateway.requests).toHaveLength(1);
    expect((await harness.events(notificationId)).map((event) => event.type)).toEqual(['NotificationRequested', 'NotificationDispatchStarted', 'NotificationDeliveryUncertain']);
  });

  it('an unreachable gateway sent nothing: retried', async () => {
    gateway = await new TestGateway(() => ({ status: 200 })).start();
    const url = gateway.url;
    await gateway.close();
    const someone = harness.add(person());
    const notificationId = randomUUID();
    harness.dispatcher({ ...senders(), sms: new SmsSender({ url, token: TOKEN }) }).start();
    await harness.requests.request({ notificationId, channel: 'sms', template: 'authentication-code', recipient: { subject: someone.subject } });
    const events = await harness.waitFor(notificationId, 'NotificationFailed');
    expect(events[2]!.data).toMatchObject({ reason: 'gateway-unreachable', permanent: false, retryAt: expect.any(String) });
    gateway = await new TestGateway(() => ({ status: 200 })).start();
  });
});
