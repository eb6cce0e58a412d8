import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { notificationDecider } from '../../domain/notifications/notification.decider.js';
import { notificationStream, type NotificationChannel, type RetryPolicy } from '../../domain/notifications/notification.events.js';
import { NOTIFICATION_ID_PATTERN } from '../../domain/notifications/notification.rules.js';
import { DomainError } from '../../domain/shared/decider.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { handleCommand } from '../command-handling/handle-command.js';
import { CLOCK, systemClock, type Clock } from '../ports/clock.js';
import { TemplateRegistry } from './templates.js';

/** Five attempts over about a quarter of an hour: 30 s, 1 min, 2 min, 4 min between them (halved at random). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 30 * 60_000 });

/** Overrides DEFAULT_RETRY_POLICY (tests, or a deployment that wants more patience). */
export const NOTIFICATION_RETRY_POLICY = Symbol.for('urne:NotificationRetryPolicy');

export interface NotificationRequestInput {
  /** Chosen by the caller and unique per message; asking again with the same id and content is a no-op. */
  notificationId: string;
  channel: NotificationChannel;
  template: string;
  /** `subject`: the stream of the person (`registration-<id>`), never an address. */
  recipient: { subject: string };
  /** Non-secret, non-personal strings the template fills in. */
  parameters?: Readonly<Record<string, string>>;
  /** Links the notification to what caused it (a registration command, an operator's request). */
  correlationId?: string;
  /** Who asked (`council:alice`, `system:registration`). */
  actor?: string;
}

export interface NotificationRequestResult {
  notificationId: string;
  stream: string;
  /** True when the same request had already been recorded (nothing new was written). */
  alreadyRequested: boolean;
}

/**
 * How other slices ask for a message: records `NotificationRequested` in `notification-<id>`.
 * The notification dispatcher does the rest (address, secret, rendering, sending, retries).
 *
 * Refusals are DomainErrors: UnknownTemplate, TemplateChannelMismatch, MissingTemplateParameter,
 * UnknownTemplateParameter, and those of the notification decider (SecretInParameters,
 * PersonalDataInParameters, InvalidSubject, NotificationAlreadyRequested…).
 */
@Injectable()
export class NotificationRequests {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly templates: TemplateRegistry,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(NOTIFICATION_RETRY_POLICY) private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    this.clock ??= systemClock;
    this.retry ??= DEFAULT_RETRY_POLICY;
  }

  async request(input: NotificationRequestInput): Promise<NotificationRequestResult> {
    if (typeof input.notificationId !== 'string' || !NOTIFICATION_ID_PATTERN.test(input.notificationId))
      throw new DomainError('InvalidNotificationId', 'A notification id is 1 to 128 letters, digits and _ . : - (a UUID will do)');
    const parameters = { ...(input.parameters ?? {}) };
    const template = this.templates.get(input.template);
    if (!template) throw new DomainError('UnknownTemplate', `There is no notification template named ${JSON.stringify(input.template)}`, { template: input.template });
    if (template.channel !== input.channel)
      throw new DomainError('TemplateChannelMismatch', `Template ${template.name} is for ${template.channel}, not ${input.channel}`, { template: template.name });
    const missing = template.requiredParameters.find((name) => parameters[name] === undefined);
    if (missing !== undefined) throw new DomainError('MissingTemplateParameter', `Template ${template.name} needs the parameter ${missing}`, { parameter: missing });
    const allowed = new Set([...template.requiredParameters, ...(template.optionalParameters ?? [])]);
    const unknown = Object.keys(parameters).find((name) => !allowed.has(name));
    if (unknown !== undefined) throw new DomainError('UnknownTemplateParameter', `Template ${template.name} has no parameter ${unknown}`, { parameter: unknown });

    const stream = notificationStream(input.notificationId);
    const result = await handleCommand(
      this.store,
      notificationDecider,
      {
        // A fresh id: the decider, not the id, recognises a repeated request (same content: nothing
        // new; other content under the same notification id: refused).
        commandId: randomUUID(),
        stream,
        command: {
          type: 'RequestNotification',
          notificationId: input.notificationId,
          channel: input.channel,
          template: input.template,
          subject: input.recipient.subject,
          parameters,
          retry: this.retry,
        },
        ...(input.actor === undefined ? {} : { actor: input.actor }),
        ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
      },
      { now: () => this.clock.now() },
    );
    return { notificationId: input.notificationId, stream, alreadyRequested: result.alreadyApplied || result.events.length === 0 };
  }
}
