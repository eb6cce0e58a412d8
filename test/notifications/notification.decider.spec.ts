import { describe, expect, it } from '@jest/globals';
import { notificationDecider, type NotificationCommand } from '../../src/domain/notifications/notification.decider.js';
import type { NotificationEvent, RetryPolicy } from '../../src/domain/notifications/notification.events.js';
import { retryDelayMs } from '../../src/domain/notifications/notification.rules.js';
import { DeciderSpecification } from '../support/decider-specification.js';

const given = DeciderSpecification.for(notificationDecider);

const id = '7d1c2a40-5b7e-4c1e-9a51-0f3e2d6c8b90';
const retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 };
const request = {
  notificationId: id,
  channel: 'email' as const,
  template: 'registration-email-confirmation',
  subject: 'registration-0b7e3f7a-93f4-4f0c-8a1c-2d4c95f1a001',
  parameters: { electionTitle: 'Primaire de Paris 2013' } as Record<string, string>,
  retry,
};
const t0 = '2013-05-20T10:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(t0) + ms).toISOString();

const requested: NotificationEvent = { type: 'NotificationRequested', data: request };
const started = (attempt: number, at = t0, leaseMs = 300_000): NotificationEvent => ({
  type: 'NotificationDispatchStarted',
  data: { notificationId: id, attempt, leaseExpiresAt: new Date(Date.parse(at) + leaseMs).toISOString() },
});
const failed = (attempt: number, retryAt: string | null, reason = 'smtp-451', permanent = false): NotificationEvent => ({
  type: 'NotificationFailed',
  data: { notificationId: id, attempt, reason, permanent, retryAt },
});

const requestCommand = (overrides: Partial<typeof request> = {}): NotificationCommand => ({ type: 'RequestNotification', ...request, ...overrides });

describe('notification decider: request', () => {
  it('records the request: template, channel, subject and parameters, never an address or a secret', () => {
    given([]).when(requestCommand()).then([requested]);
  });

  it('asking again for the same message is a no-op; reusing the id for another message is refused', () => {
    given([requested]).when(requestCommand()).thenNothingHappens();
    given([requested]).when(requestCommand({ retry: { ...retry, maxAttempts: 5 } })).thenNothingHappens();
    given([requested]).when(requestCommand({ subject: 'registration-other' })).thenRefuses('NotificationAlreadyRequested');
  });

  it('refuses parameters that look like a secret or like personal contact data', () => {
    given([]).when(requestCommand({ parameters: { code: '123456' } })).thenRefuses('SecretInParameters', { parameter: 'code' });
    given([]).when(requestCommand({ parameters: { accessToken: 'x' } })).thenRefuses('SecretInParameters');
    given([]).when(requestCommand({ parameters: { electionTitle: 'write to anne.martin@example.org' } })).thenRefuses('PersonalDataInParameters');
    given([]).when(requestCommand({ parameters: { electionTitle: 'call +33 6 12 34 56 78' } })).thenRefuses('PersonalDataInParameters');
    given([]).when(requestCommand({ parameters: { electionTitle: '06.12.34.56.78' } })).thenRefuses('PersonalDataInParameters');
  });

  it('accepts ordinary values: dates, ids and titles are not phone numbers', () => {
    for (const value of ['2013-06-03 18:00', '03/06/2013', '0b7e3f7a-9301-4f0c-8a1c-012345678901', 'Primaire 2013, 1er tour']) {
      expect(notificationDecider.decide(requestCommand({ parameters: { electionTitle: value } }), notificationDecider.initialState())).toHaveLength(1);
    }
  });

  it('refuses a subject that is not a stream of a person (an address, a bare value)', () => {
    given([]).when(requestCommand({ subject: 'anne.martin@example.org' })).thenRefuses('InvalidSubject');
    given([]).when(requestCommand({ subject: '+33612345678' })).thenRefuses('InvalidSubject');
  });

  it('refuses unknown channels, bad ids, bad template names and absurd retry policies', () => {
    given([]).when(requestCommand({ channel: 'fax' as never })).thenRefuses('UnknownChannel');
    given([]).when(requestCommand({ notificationId: 'a b' })).thenRefuses('InvalidNotificationId');
    given([]).when(requestCommand({ template: 'Not A Template' })).thenRefuses('InvalidTemplateName');
    given([]).when(requestCommand({ retry: { maxAttempts: 0, baseDelayMs: 0, maxDelayMs: 0 } })).thenRefuses('InvalidRetryPolicy');
  });
});

describe('notification decider: dispatch', () => {
  it('an attempt starts with a lease', () => {
    given([requested]).when({ type: 'StartDispatch', attempt: 1, at: t0, leaseMs: 300_000 }).then([started(1)]);
  });

  it('only one dispatcher can hold an attempt', () => {
    given([requested, started(1)]).when({ type: 'StartDispatch', attempt: 1, at: t0, leaseMs: 300_000 }).thenRefuses('DispatchInProgress');
    given([requested, started(1)]).when({ type: 'StartDispatch', attempt: 2, at: later(10 * 60_000), leaseMs: 300_000 }).thenRefuses('DispatchInProgress');
  });

  it('attempts are numbered in order', () => {
    given([requested]).when({ type: 'StartDispatch', attempt: 2, at: t0, leaseMs: 300_000 }).thenRefuses('UnexpectedAttempt', { expected: 1 });
  });

  it('a sent attempt closes the notification', () => {
    given([requested, started(1)]).when({ type: 'RecordSent', attempt: 1, providerMessageId: '<x.1@primaire.example>' }).then([
      { type: 'NotificationSent', data: { notificationId: id, attempt: 1, providerMessageId: '<x.1@primaire.example>' } },
    ]);
    given([requested, started(1), { type: 'NotificationSent', data: { notificationId: id, attempt: 1, providerMessageId: 'p' } }])
      .when({ type: 'StartDispatch', attempt: 2, at: t0, leaseMs: 1 })
      .thenRefuses('NotificationClosed', { status: 'sent' });
  });

  it('an outcome is only recorded for the attempt in progress', () => {
    given([requested]).when({ type: 'RecordSent', attempt: 1, providerMessageId: 'p' }).thenRefuses('AttemptNotInProgress');
    given([requested, started(1)]).when({ type: 'RecordSent', attempt: 2, providerMessageId: 'p' }).thenRefuses('AttemptNotInProgress');
    given([]).when({ type: 'RecordSent', attempt: 1, providerMessageId: 'p' }).thenRefuses('NotificationNotRequested');
  });
});

describe('notification decider: failures and retries', () => {
  it('a failure that may pass schedules the next attempt with exponential back-off and jitter', () => {
    const at = later(1_000);
    given([requested, started(1)])
      .when({ type: 'RecordFailure', attempt: 1, reason: 'smtp-451', permanent: false, at, jitter: 0 })
      .then([failed(1, later(1_000 + 30_000))]);
    given([requested, started(1)])
      .when({ type: 'RecordFailure', attempt: 1, reason: 'smtp-451', permanent: false, at, jitter: 0.999999 })
      .then([failed(1, later(1_000 + 60_000))]);
  });

  it('the delay doubles at each failure, up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs({ maxAttempts: 9, baseDelayMs: 1_000, maxDelayMs: 10_000 }, attempt, 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect(retryDelayMs({ maxAttempts: 9, baseDelayMs: 1_000, maxDelayMs: 10_000 }, 3, 0)).toBe(2_000);
  });

  it('the next attempt waits for its time', () => {
    const history = [requested, started(1), failed(1, later(60_000))];
    given(history).when({ type: 'StartDispatch', attempt: 2, at: later(59_999), leaseMs: 1_000 }).thenRefuses('RetryNotDue');
    given(history).when({ type: 'StartDispatch', attempt: 2, at: later(60_000), leaseMs: 1_000 }).then([started(2, later(60_000), 1_000)]);
  });

  it('a permanent failure abandons the notification at once', () => {
    given([requested, started(1)])
      .when({ type: 'RecordFailure', attempt: 1, reason: 'smtp-550', permanent: true, at: t0, jitter: 0.5 })
      .then([failed(1, null, 'smtp-550', true), { type: 'NotificationAbandoned', data: { notificationId: id, attempts: 1, reason: 'smtp-550' } }]);
  });

  it('the last attempt failing abandons it', () => {
    const history = [requested, started(1), failed(1, t0), started(2), failed(2, t0), started(3)];
    given(history)
      .when({ type: 'RecordFailure', attempt: 3, reason: 'gateway-http-503', permanent: false, at: t0, jitter: 0.5 })
      .then([failed(3, null, 'gateway-http-503'), { type: 'NotificationAbandoned', data: { notificationId: id, attempts: 3, reason: 'attempts-exhausted' } }]);
  });

  it('a reason is a code: no free text, no address, no secret', () => {
    const fail = (reason: string): NotificationCommand => ({ type: 'RecordFailure', attempt: 1, reason, permanent: false, at: t0, jitter: 0 });
    given([requested, started(1)]).when(fail('550 5.1.1 <anne.martin@example.org>: Recipient address rejected')).thenRefuses('InvalidReason');
    given([requested, started(1)]).when(fail('code-481207')).thenRefuses('InvalidReason');
    given([requested, started(1)]).when(fail('Smtp-550')).thenRefuses('InvalidReason');
  });
});

describe('notification decider: uncertain delivery', () => {
  it('a lease that ran out without an outcome makes the attempt uncertain, and nothing is retried', () => {
    const history = [requested, started(1, t0, 300_000)];
    given(history).when({ type: 'RecordDeliveryUncertain', attempt: 1, reason: 'lease-expired', at: later(299_999) }).thenRefuses('LeaseNotExpired');
    given(history)
      .when({ type: 'RecordDeliveryUncertain', attempt: 1, reason: 'lease-expired', at: later(300_000) })
      .then([{ type: 'NotificationDeliveryUncertain', data: { notificationId: id, attempt: 1, reason: 'lease-expired' } }]);
    const uncertain: NotificationEvent = { type: 'NotificationDeliveryUncertain', data: { notificationId: id, attempt: 1, reason: 'lease-expired' } };
    given([...history, uncertain]).when({ type: 'StartDispatch', attempt: 2, at: later(400_000), leaseMs: 1 }).thenRefuses('NotificationClosed', { status: 'uncertain' });
    given([...history, uncertain]).when({ type: 'RecordSent', attempt: 1, providerMessageId: 'late' }).thenRefuses('AttemptNotInProgress');
  });

  it('a sender may report an uncertain outcome before the lease ends', () => {
    given([requested, started(1)])
      .when({ type: 'RecordDeliveryUncertain', attempt: 1, reason: 'smtp-connection-lost', at: t0 })
      .then([{ type: 'NotificationDeliveryUncertain', data: { notificationId: id, attempt: 1, reason: 'smtp-connection-lost' } }]);
  });
});
