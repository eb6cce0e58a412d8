import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ManualClock } from '../../src/application/ports/clock.js';
import type { NotificationSenders } from '../../src/application/ports/notification-sender.js';
import { classifySmtpError, EmailSender } from '../../src/infrastructure/notifications/email-sender.js';
import { FileOutboxSender } from '../../src/infrastructure/notifications/file-outbox-sender.js';
import { NotificationDispatcher } from '../../src/application/notifications/notification-dispatcher.js';
import { notificationOutboxProjection, readNotificationOutbox } from '../../src/projections/notification-outbox/notification-outbox.projection.js';
import { NotificationOutboxView } from '../../src/projections/notification-outbox/notification-outbox.view.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import { findInFiles, NotificationHarness, person, sqliteFiles } from './support/harness.js';
import { SmtpTestServer } from './support/smtp-test-server.js';

const FROM = 'Primaire de Paris <no-reply@primaire.example>';

describe('e-mail notifications over SMTP (a real SMTP server in this process)', () => {
  let harness: NotificationHarness;
  let smtp: SmtpTestServer;
  let clock: ManualClock;

  const senders = (url = smtp.url): NotificationSenders => ({
    email: new EmailSender({ url, from: FROM, connectionTimeoutMs: 5_000, socketTimeoutMs: 10_000 }),
    sms: new FileOutboxSender('sms', { dir: join(harness.dir, 'outbox'), from: FROM, print: () => undefined }),
  });

  beforeEach(async () => {
    harness = new NotificationHarness();
    clock = harness.clock as ManualClock;
  });
  afterEach(async () => {
    await harness.close();
    await smtp?.close();
  });

  it('delivers the rendered e-mail with a fresh code; neither the code nor the address reaches an event, a read model or a log line', async () => {
    smtp = await new SmtpTestServer().start();
    const anne = harness.add(person());
    const notificationId = randomUUID();
    const dispatcher = harness.dispatcher(senders());
    dispatcher.start();

    await harness.requests.request({
      notificationId,
      channel: 'email',
      template: 'registration-email-confirmation',
      recipient: { subject: anne.subject },
      parameters: { electionTitle: 'Primaire de Paris 2013' },
      correlationId: 'registration-command-1',
      actor: 'system:registration',
    });
    const events = await harness.waitFor(notificationId, 'NotificationSent');

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    const code = harness.issued[0]!.code;
    expect(harness.issued).toEqual([{ template: 'registration-email-confirmation', subject: anne.subject, notificationId, code }]);
    expect(mail!.user).toBe('urne');
    expect(mail!.rcptTo).toEqual([anne.email]);
    expect(mail!.parsed.from?.text).toBe('"Primaire de Paris" <no-reply@primaire.example>');
    expect(mail!.parsed.subject).toContain('Confirmez votre adresse e-mail / Confirm your e-mail address');
    expect(mail!.parsed.text).toContain(`saisissez ce code : ${code}`);
    expect(mail!.parsed.text).toContain(`enter this code: ${code}`);
    expect(mail!.parsed.text).toContain('Primaire de Paris 2013');
    expect(mail!.parsed.headers.get('x-urne-notification')).toBe(`${notificationId}:1`);

    expect(events.map((event) => event.type)).toEqual(['NotificationRequested', 'NotificationDispatchStarted', 'NotificationSent']);
    expect(events[2]!.data).toEqual({ notificationId, attempt: 1, providerMessageId: mail!.parsed.messageId });
    expect(mail!.parsed.messageId).toBe(`<${notificationId}.1@primaire.example>`);
    // The whole chain shares the requester's correlation id; the dispatcher signs its own events.
    expect(events.map((event) => event.metadata.correlationId)).toEqual(['registration-command-1', 'registration-command-1', 'registration-command-1']);
    expect(events.map((event) => event.metadata.actor)).toEqual(['system:registration', 'system:notification-dispatcher', 'system:notification-dispatcher']);

    await dispatcher.stop();
    await harness.runner.waitForPosition(events[2]!.position);
    expect(readNotificationOutbox(harness.db)).toEqual([
      expect.objectContaining({ notificationId, state: 'sent', attempts: 1, dueAt: null, subject: anne.subject, providerMessageId: mail!.parsed.messageId }),
    ]);
    const secrets = [code!, anne.email!, 'smtp-password-not-for-logs'];
    expect(findInFiles([...sqliteFiles(join(harness.dir, 'events.sqlite')), ...sqliteFiles(join(harness.dir, 'read-models.sqlite'))], secrets)).toEqual([]);
    const logs = harness.logLines.join('');
    expect(logs).toContain('"msg":"notification sent"');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });

  it('a 550 rejection abandons the notification at once, with a reason code and no server text', async () => {
    smtp = await new SmtpTestServer({ rcptReply: () => 550 }).start();
    const gone = harness.add(person());
    const notificationId = randomUUID();
    harness.dispatcher(senders()).start();
    await harness.requests.request({ notificationId, channel: 'email', template: 'access-code', recipient: { subject: gone.subject } });

    const events = await harness.waitFor(notificationId, 'NotificationAbandoned');
    expect(events.slice(2).map((event) => [event.type, event.data])).toEqual([
      ['NotificationFailed', { notificationId, attempt: 1, reason: 'smtp-550', permanent: true, retryAt: null }],
      ['NotificationAbandoned', { notificationId, attempts: 1, reason: 'smtp-550' }],
    ]);
    expect(smtp.received).toHaveLength(0);
    expect(harness.logLines.join('')).not.toContain(gone.email!);
  });

  it('a 451 is retried once its back-off has passed, on the injected clock, with a new code', async () => {
    smtp = await new SmtpTestServer({ rcptReply: (_address, attempt) => (attempt === 1 ? 451 : undefined) }).start();
    const busy = harness.add(person());
    const notificationId = randomUUID();
    const dispatcher = harness.dispatcher(senders(), { random: () => 0.5 });
    dispatcher.start();
    const requestedAt = clock.now().getTime();
    await harness.requests.request({ notificationId, channel: 'email', template: 'registration-email-confirmation', recipient: { subject: busy.subject } });

    const [, , failure] = await harness.waitFor(notificationId, 'NotificationFailed');
    // First retry: base delay 60 s, half of it random (jitter 0.5 → 45 s).
    expect(failure!.data).toEqual({ notificationId, attempt: 1, reason: 'smtp-451', permanent: false, retryAt: new Date(requestedAt + 45_000).toISOString() });
    await harness.runner.waitForPosition(failure!.position);
    await dispatcher.wake();
    await dispatcher.settled();
    expect(smtp.received).toHaveLength(0);
    expect(smtp.rcptAttempts.get(busy.email!)).toBe(1);
    expect(readNotificationOutbox(harness.db)[0]).toMatchObject({ state: 'pending', attempts: 1, lastReason: 'smtp-451', dueAt: new Date(requestedAt + 45_000) });

    clock.advance(44_999);
    await dispatcher.wake();
    await dispatcher.settled();
    expect(smtp.rcptAttempts.get(busy.email!)).toBe(1);

    clock.advance(1);
    await dispatcher.wake();
    const events = await harness.waitFor(notificationId, 'NotificationSent');
    expect(events.map((event) => event.type)).toEqual([
      'NotificationRequested',
      'NotificationDispatchStarted',
      'NotificationFailed',
      'NotificationDispatchStarted',
      'NotificationSent',
    ]);
    expect(smtp.received).toHaveLength(1);
    expect(harness.issued).toHaveLength(2);
    expect(smtp.received[0]!.parsed.text).toContain(harness.issued[1]!.code);
    expect(smtp.received[0]!.parsed.messageId).toBe(`<${notificationId}.2@primaire.example>`);
  });

  it('an unreachable server is a failure that may pass: retried, not abandoned', async () => {
    smtp = await new SmtpTestServer().start();
    const url = smtp.url;
    await smtp.close();
    const someone = harness.add(person());
    const notificationId = randomUUID();
    harness.dispatcher(senders(url)).start();
    await harness.requests.request({ notificationId, channel: 'email', template: 'access-code', recipient: { subject: someone.subject } });
    const events = await harness.waitFor(notificationId, 'NotificationFailed');
    expect(events[2]!.data).toMatchObject({ attempt: 1, reason: 'smtp-unreachable', permanent: false, retryAt: expect.any(String) });
    smtp = await new SmtpTestServer().start();
  });

  it('a server that goes silent once it has the message leaves the delivery uncertain: recorded, never resent', async () => {
    let release: () => void = () => undefined;
    smtp = await new SmtpTestServer({ holdAnswer: () => new Promise<void>((resolve) => (release = resolve)) }).start();
    const someone = harness.add(person());
    const notificationId = randomUUID();
    const dispatcher = harness.dispatcher({ ...senders(), email: new EmailSender({ url: smtp.url, from: FROM, socketTimeoutMs: 300 }) });
    dispatcher.start();
    await harness.requests.request({ notificationId, channel: 'email', template: 'access-code', recipient: { subject: someone.subject } });

    const events = await harness.waitFor(notificationId, 'NotificationDeliveryUncertain');
    release();
    expect(events.at(-1)!.data).toEqual({ notificationId, attempt: 1, reason: 'smtp-timeout' });
    expect(smtp.received).toHaveLength(1);
    clock.advance(24 * 3600_000);
    await harness.runner.waitForPosition(events.at(-1)!.position);
    await dispatcher.wake();
    await dispatcher.settled();
    expect(smtp.received).toHaveLength(1);
    expect(harness.issued).toHaveLength(1);
  });

  it('two nodes dispatching the same log send each message exactly once', async () => {
    smtp = await new SmtpTestServer().start();
    // A second node: its own read-model database and outbox projection, the same event store.
    const otherDb = openReadModelDatabase(join(harness.dir, 'other-node.sqlite'));
    const otherRunner = new ProjectionRunner(harness.store, otherDb, notificationOutboxProjection, { lagLogIntervalMs: 0 });
    otherRunner.start();
    const other = new NotificationDispatcher(
      { store: harness.store, outbox: new NotificationOutboxView(otherDb, otherRunner), senders: senders(), templates: harness.templates, secrets: harness.issuers, recipients: harness.directories, clock },
      { concurrency: 8 },
    );
    try {
      const ids = Array.from({ length: 24 }, () => randomUUID());
      const recipients = ids.map(() => harness.add(person()));
      harness.dispatcher(senders(), { concurrency: 8 }).start();
      other.start();
      await Promise.all(ids.map((notificationId, index) => harness.requests.request({ notificationId, channel: 'email', template: 'access-code', recipient: { subject: recipients[index]!.subject } })));
      for (const notificationId of ids) {
        const events = await harness.waitFor(notificationId, 'NotificationSent');
        expect(events.map((event) => event.type)).toEqual(['NotificationRequested', 'NotificationDispatchStarted', 'NotificationSent']);
      }
      await other.settled();
      expect(smtp.received).toHaveLength(ids.length);
      expect(new Set(smtp.received.map((mail) => mail.parsed.headers.get('x-urne-notification'))).size).toBe(ids.length);
      expect(harness.issued).toHaveLength(ids.length);
    } finally {
      await other.stop();
      await otherRunner.stop();
      otherDb.close();
    }
  });

  it('keeps running, without holding the event loop, when the event store goes away under it', async () => {
    smtp = await new SmtpTestServer().start();
    const dispatcher = harness.dispatcher(senders());
    dispatcher.start();
    await harness.runner.waitUntilLive();
    await harness.store.close();
    // The projection's subscription ends with an error: the runner stops and wakes whoever waited on it.
    await harness.runner.waitForPosition(10n ** 12n);
    // Timers still fire: the dispatcher is waiting, not spinning.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await dispatcher.wake();
    await dispatcher.stop();
  });

  it('classifies SMTP failures: a reply is definite, not reaching the server is retried, losing it mid-session is uncertain', () => {
    const cases: Array<[object, string, string]> = [
      [{ code: 'EENVELOPE', responseCode: 550 }, 'smtp-550', 'permanent'],
      [{ code: 'EENVELOPE', responseCode: 452 }, 'smtp-452', 'retry'],
      [{ code: 'EPROTOCOL', responseCode: 503 }, 'smtp-503', 'retry'],
      [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }, 'smtp-unreachable', 'retry'],
      [{ code: 'EDNS', originalCode: 'ENOTFOUND' }, 'smtp-unreachable', 'retry'],
      [{ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }, 'smtp-connect-timeout', 'retry'],
      [{ code: 'EAUTH', responseCode: undefined }, 'smtp-auth-failed', 'retry'],
      [{ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }, 'smtp-timeout', 'uncertain'],
      [{ code: 'ECONNECTION' }, 'smtp-connection-lost', 'uncertain'],
      [{ code: 'ESOMETHINGNEW' }, 'smtp-error', 'uncertain'],
    ];
    for (const [error, reason, outcome] of cases) expect(classifySmtpError(error)).toMatchObject({ reason, outcome });
  });

  it('a person erased from the directory gets nothing: abandoned without issuing a code', async () => {
    smtp = await new SmtpTestServer().start();
    const erased = harness.add(person({ email: null }));
    const notificationId = randomUUID();
    harness.dispatcher(senders()).start();
    await harness.requests.request({ notificationId, channel: 'email', template: 'registration-email-confirmation', recipient: { subject: erased.subject } });
    const events = await harness.waitFor(notificationId, 'NotificationAbandoned');
    expect(events.at(-1)!.data).toEqual({ notificationId, attempts: 1, reason: 'recipient-unavailable' });
    expect(harness.issued).toEqual([]);
    expect(smtp.received).toEqual([]);
  });
});
