import { DomainError, type Decider } from '../shared/decider.js';
import {
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  type NotificationEvent,
  type NotificationParameters,
  type NotificationRequested,
  type RetryPolicy,
} from './notification.events.js';
import {
  isProviderMessageId,
  isReasonCode,
  NOTIFICATION_ID_PATTERN,
  parameterProblem,
  retryDelayMs,
  retryPolicyProblem,
  SUBJECT_PATTERN,
  TEMPLATE_NAME_PATTERN,
} from './notification.rules.js';

/**
 * The life of one notification:
 *
 *   requested ──StartDispatch──▶ dispatching ──RecordSent──────────────▶ sent
 *       ▲                            │ ──RecordFailure (may pass)──▶ pending again, due at retryAt
 *       └────────────────────────────┘ ──RecordFailure (permanent, or last attempt)──▶ abandoned
 *                                      ──RecordDeliveryUncertain──▶ uncertain (never retried)
 *
 * Instants (`at`) and the jitter of the back-off come in with the commands: the decider reads no
 * clock and draws no random number.
 */
export type NotificationCommand =
  | {
      type: 'RequestNotification';
      notificationId: string;
      channel: NotificationChannel;
      template: string;
      subject: string;
      parameters: NotificationParameters;
      retry: RetryPolicy;
    }
  | { type: 'StartDispatch'; attempt: number; at: string; leaseMs: number }
  | { type: 'RecordSent'; attempt: number; providerMessageId: string }
  | { type: 'RecordFailure'; attempt: number; reason: string; permanent: boolean; at: string; jitter: number }
  | { type: 'RecordDeliveryUncertain'; attempt: number; reason: string; at: string };

export type NotificationRequest = NotificationRequested['data'];

export type NotificationState =
  | { status: 'none' }
  | { status: 'pending'; request: NotificationRequest; attempts: number; retryAt: string | null }
  | { status: 'dispatching'; request: NotificationRequest; attempts: number; leaseExpiresAt: string }
  | { status: 'sent' | 'abandoned' | 'uncertain'; request: NotificationRequest; attempts: number };

/** The reason recorded when a dispatcher's lease ran out without an outcome. */
export const LEASE_EXPIRED = 'lease-expired';

export const notificationDecider: Decider<NotificationCommand, NotificationEvent, NotificationState> = {
  initialState: () => ({ status: 'none' }),

  evolve(state, event) {
    switch (event.type) {
      case 'NotificationRequested':
        return { status: 'pending', request: event.data, attempts: 0, retryAt: null };
      case 'NotificationDispatchStarted':
        return state.status === 'none' ? state : { status: 'dispatching', request: state.request, attempts: event.data.attempt, leaseExpiresAt: event.data.leaseExpiresAt };
      case 'NotificationSent':
        return state.status === 'none' ? state : { status: 'sent', request: state.request, attempts: state.attempts };
      case 'NotificationFailed':
        return state.status === 'none' ? state : { status: 'pending', request: state.request, attempts: state.attempts, retryAt: event.data.retryAt };
      case 'NotificationAbandoned':
        return state.status === 'none' ? state : { status: 'abandoned', request: state.request, attempts: state.attempts };
      case 'NotificationDeliveryUncertain':
        return state.status === 'none' ? state : { status: 'uncertain', request: state.request, attempts: state.attempts };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RequestNotification':
        return request(command, state);
      case 'StartDispatch':
        return startDispatch(command, state);
      case 'RecordSent': {
        const dispatching = requireDispatching(state, command.attempt);
        if (!isProviderMessageId(command.providerMessageId))
          throw new DomainError('InvalidProviderMessageId', 'A provider message id is 1 to 200 printable characters without spaces');
        return [{ type: 'NotificationSent', data: { notificationId: dispatching.request.notificationId, attempt: command.attempt, providerMessageId: command.providerMessageId } }];
      }
      case 'RecordFailure':
        return recordFailure(command, state);
      case 'RecordDeliveryUncertain': {
        const dispatching = requireDispatching(state, command.attempt);
        requireReason(command.reason);
        if (command.reason === LEASE_EXPIRED && Date.parse(command.at) < Date.parse(dispatching.leaseExpiresAt))
          throw new DomainError('LeaseNotExpired', 'The attempt is still held by its dispatcher', { leaseExpiresAt: dispatching.leaseExpiresAt });
        return [{ type: 'NotificationDeliveryUncertain', data: { notificationId: dispatching.request.notificationId, attempt: command.attempt, reason: command.reason } }];
      }
    }
  },
};

function request(command: Extract<NotificationCommand, { type: 'RequestNotification' }>, state: NotificationState): NotificationEvent[] {
  if (!NOTIFICATION_ID_PATTERN.test(command.notificationId))
    throw new DomainError('InvalidNotificationId', 'A notification id is 1 to 128 letters, digits and _ . : - (a UUID will do)');
  if (!(NOTIFICATION_CHANNELS as readonly string[]).includes(command.channel))
    throw new DomainError('UnknownChannel', `The channel must be one of ${NOTIFICATION_CHANNELS.join(', ')}`, { channel: command.channel });
  if (!TEMPLATE_NAME_PATTERN.test(command.template) || command.template.length > 64)
    throw new DomainError('InvalidTemplateName', 'A template name is kebab-case, e.g. registration-email-confirmation');
  if (!SUBJECT_PATTERN.test(command.subject))
    throw new DomainError('InvalidSubject', 'The recipient subject is the stream of the person, "category-id" (e.g. registration-<id>), never an address');
  const problem = parameterProblem(command.parameters);
  if (problem) throw new DomainError(problem.code, problem.message, problem.name === undefined ? {} : { parameter: problem.name });
  const policyProblem = retryPolicyProblem(command.retry);
  if (policyProblem) throw new DomainError('InvalidRetryPolicy', `Invalid retry policy: ${policyProblem}`);

  const data: NotificationRequest = {
    notificationId: command.notificationId,
    channel: command.channel,
    template: command.template,
    subject: command.subject,
    parameters: { ...command.parameters },
    retry: { maxAttempts: command.retry.maxAttempts, baseDelayMs: command.retry.baseDelayMs, maxDelayMs: command.retry.maxDelayMs },
  };
  if (state.status !== 'none') {
    // Asking again for the same message is harmless; reusing the id for another message is not.
    if (sameRequest(state.request, data)) return [];
    throw new DomainError('NotificationAlreadyRequested', 'This notification id is already used by another request', { notificationId: command.notificationId });
  }
  return [{ type: 'NotificationRequested', data }];
}

function startDispatch(command: Extract<NotificationCommand, { type: 'StartDispatch' }>, state: NotificationState): NotificationEvent[] {
  if (state.status === 'none') throw new DomainError('NotificationNotRequested', 'There is no such notification');
  if (state.status === 'dispatching')
    throw new DomainError('DispatchInProgress', 'Another dispatcher holds this notification', { attempt: state.attempts, leaseExpiresAt: state.leaseExpiresAt });
  if (state.status !== 'pending') throw new DomainError('NotificationClosed', `The notification is ${state.status}`, { status: state.status });
  if (command.attempt !== state.attempts + 1)
    throw new DomainError('UnexpectedAttempt', `The next attempt is number ${state.attempts + 1}`, { expected: state.attempts + 1, attempt: command.attempt });
  if (state.retryAt !== null && Date.parse(command.at) < Date.parse(state.retryAt))
    throw new DomainError('RetryNotDue', 'The next attempt is not due yet', { retryAt: state.retryAt });
  if (!Number.isSafeInteger(command.leaseMs) || command.leaseMs <= 0) throw new DomainError('InvalidLease', 'The lease must be a positive number of milliseconds');
  const leaseExpiresAt = new Date(Date.parse(command.at) + command.leaseMs).toISOString();
  return [{ type: 'NotificationDispatchStarted', data: { notificationId: state.request.notificationId, attempt: command.attempt, leaseExpiresAt } }];
}

function recordFailure(command: Extract<NotificationCommand, { type: 'RecordFailure' }>, state: NotificationState): NotificationEvent[] {
  const dispatching = requireDispatching(state, command.attempt);
  requireReason(command.reason);
  const { notificationId, retry } = dispatching.request;
  const giveUp = command.permanent || command.attempt >= retry.maxAttempts;
  const retryAt = giveUp ? null : new Date(Date.parse(command.at) + retryDelayMs(retry, command.attempt, command.jitter)).toISOString();
  const failed: NotificationEvent = { type: 'NotificationFailed', data: { notificationId, attempt: command.attempt, reason: command.reason, permanent: command.permanent, retryAt } };
  if (!giveUp) return [failed];
  const reason = command.permanent ? command.reason : 'attempts-exhausted';
  return [failed, { type: 'NotificationAbandoned', data: { notificationId, attempts: command.attempt, reason } }];
}

function requireDispatching(state: NotificationState, attempt: number): Extract<NotificationState, { status: 'dispatching' }> {
  if (state.status === 'none') throw new DomainError('NotificationNotRequested', 'There is no such notification');
  if (state.status !== 'dispatching' || state.attempts !== attempt)
    throw new DomainError('AttemptNotInProgress', `Attempt ${attempt} is not in progress`, { status: state.status, attempts: state.attempts, attempt });
  return state;
}

function requireReason(reason: string): void {
  if (!isReasonCode(reason))
    throw new DomainError('InvalidReason', 'A reason is a short code of lower-case words and at most a 3-digit status (smtp-550, gateway-timeout): no free text, no address, no secret');
}

function sameRequest(a: NotificationRequest, b: NotificationRequest): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** What makes two requests the same message (the retry policy is how, not what). */
function canonical(request: NotificationRequest): unknown {
  return [
    request.notificationId,
    request.channel,
    request.template,
    request.subject,
    Object.entries(request.parameters).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  ];
}
