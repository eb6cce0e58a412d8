import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { NotificationHarness, person } from './support/harness.js';

describe('NotificationRequests: how other slices ask for a message', () => {
  let harness: NotificationHarness;
  beforeAll(() => {
    harness = new NotificationHarness();
  });
  afterAll(() => harness.close());

  const subject = person().subject;

  it('records NotificationRequested in notification-<id>, stamped with the caller and the clock', async () => {
    const notificationId = randomUUID();
    const result = await harness.requests.request({
      notificationId,
      channel: 'sms',
      template: 'registration-phone-confirmation',
      recipient: { subject },
      correlationId: 'registration-submit-42',
      actor: 'system:registration',
    });
    expect(result).toEqual({ notificationId, stream: `notification-${notificationId}`, alreadyRequested: false });
    const [event] = await harness.events(notificationId);
    expect(event).toMatchObject({
      type: 'NotificationRequested',
      data: { notificationId, channel: 'sms', template: 'registration-phone-confirmation', subject, parameters: {}, retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 } },
      metadata: { correlationId: 'registration-submit-42', actor: 'system:registration', occurredAt: '2013-05-20T10:00:00.000Z' },
    });
  });

  it('asking twice for the same message records it once; another message under the same id is refused', async () => {
    const notificationId = randomUUID();
    const ask = (electionTitle: string) =>
      harness.requests.request({ notificationId, channel: 'email', template: 'access-code', recipient: { subject }, parameters: { electionTitle } });
    expect((await ask('Primaire 2013')).alreadyRequested).toBe(false);
    expect((await ask('Primaire 2013')).alreadyRequested).toBe(true);
    await expect(ask('Another election')).rejects.toMatchObject({ code: 'NotificationAlreadyRequested' });
    expect(await harness.events(notificationId)).toHaveLength(1);
  });

  it.each([
    ['an unknown template', { template: 'no-such-template' }, 'UnknownTemplate'],
    ['a template of the other channel', { channel: 'sms' as const }, 'TemplateChannelMismatch'],
    ['a parameter the template does not take', { parameters: { firstName: 'Anne' } }, 'UnknownTemplateParameter'],
    ['a secret as a parameter', { template: 'access-code', parameters: { code: '123456' } }, 'UnknownTemplateParameter'],
    ['an address as the subject', { recipient: { subject: 'anne@example.org' } }, 'InvalidSubject'],
    ['an id that cannot name a stream', { notificationId: 'not an id' }, 'InvalidNotificationId'],
  ])('refuses %s, writing nothing', async (_what, overrides, code) => {
    const input = { notificationId: randomUUID(), channel: 'email' as const, template: 'access-code', recipient: { subject }, ...overrides };
    await expect(harness.requests.request(input)).rejects.toMatchObject({ code });
    if (input.notificationId !== 'not an id') await expect(harness.events(input.notificationId)).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  });
});
