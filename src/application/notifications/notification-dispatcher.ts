import { randomUUID } from 'node:crypto';
import { LEASE_EXPIRED, notificationDecider, type NotificationCommand, type NotificationRequest, type NotificationState } from '../../domain/notifications/notification.decider.js';
import { notificationStream, type NotificationEvent } from '../../domain/notifications/notification.events.js';
import { isProviderMessageId, isReasonCode } from '../../domain/notifications/notification.rules.js';
import { DomainError } from '../../domain/shared/decider.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { ConcurrencyConflictError } from '../command-handling/command-handling.errors.js';
import { handleCommand } from '../command-handling/handle-command.js';
import type { Clock } from '../ports/clock.js';
import { DeliveryError, type NotificationSenders, type OutgoingNotification } from '../ports/notification-sender.js';
import type { RecipientDirectory } from '../ports/recipient-directory.js';
import { SecretIssueRefusedError, type SecretIssuer } from '../ports/secret-issuer.js';
import type { NotificationOutbox, OutboxEntry } from './notification-outbox.js';
import { NoRecipientDirectoryError, NoSecretIssuerError } from './registries.js';
import type { NotificationTemplate } from './templates.js';

/** The subset of a pino logger the dispatcher uses. Nothing it logs holds an address or a secret. */
export interface DispatcherLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  debug?(details: object, message: string): void;
}

export interface NotificationDispatcherDependencies {
  store: EventStore;
  outbox: NotificationOutbox;
  senders: NotificationSenders;
  templates: { get(name: string): NotificationTemplate | undefined };
  secrets: SecretIssuer;
  recipients: RecipientDirectory;
  clock: Clock;
  logger?: DispatcherLogger;
}

export interface NotificationDispatcherOptions {
  /** Messages in flight at once (default 4). */
  concurrency?: number;
  /**
   * How long a started attempt belongs to its dispatcher (default 5 min). If no outcome is recorded
   * by then (the process died), any dispatcher records the attempt as uncertain.
   */
  leaseMs?: number;
  /** A send still running after this is recorded as uncertain (default 60 s, at most half the lease). */
  sendTimeoutMs?: number;
  /** The longest sleep between two looks at the outbox, whatever happens (default 60 s). */
  maxIdleMs?: number;
  /** The jitter of the back-off, in [0, 1) (default Math.random). */
  random?: () => number;
  /** Recorded as the actor of the dispatcher's events. */
  actor?: string;
}

type Outcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'failed'; reason: string; permanent: boolean }
  | { kind: 'uncertain'; reason: string };

const TIMED_OUT = Symbol('timed out');

/**
 * The notification process manager. It watches the outbox (a projection of the notification
 * events), and for each notification that falls due:
 *
 * 1. appends `NotificationDispatchStarted { attempt }` at the stream's expected revision, BEFORE
 *    sending: of two dispatchers (two nodes, or a node and its restarted self) only one can append
 *    it; the other's append conflicts and it moves on;
 * 2. looks up the address (RecipientDirectory), obtains the template's fresh secrets (SecretIssuer),
 *    renders and sends;
 * 3. appends the outcome: `NotificationSent`, `NotificationFailed` (with the next attempt's time,
 *    exponential back-off with jitter) and, when no attempt is left, `NotificationAbandoned`; or
 *    `NotificationDeliveryUncertain` when the message may have left without us knowing.
 *
 * A started attempt is never sent again. If the process dies between steps 1 and 3, the attempt
 * stays started until its lease expires; then a dispatcher records it as uncertain, and nothing
 * is resent automatically (an operator may request a new notification). That is how a crash can
 * lose a message but never deliver one twice.
 *
 * New work wakes the dispatcher as soon as the projection has applied it; a timer wakes it for
 * retries and lease expiries. Time comes from the injected clock.
 */
export class NotificationDispatcher {
  private readonly runId = randomUUID();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly sendTimeoutMs: number;
  private readonly maxIdleMs: number;
  private readonly random: () => number;
  private readonly actor: string;
  private readonly log: DispatcherLogger | undefined;

  private loop: Promise<void> | null = null;
  private stopping = false;
  private abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * The latest stream revision this dispatcher knows of (it wrote it, or read it), per notification,
   * until the outbox shows it: a row older than that is stale, and skipped rather than re-read.
   */
  private readonly known = new Map<string, { revision: bigint; at: number }>();
  /** The last look at the outbox left due work aside for lack of capacity. */
  private backlog = false;
  private kicked = false;
  private kick: (() => void) | null = null;
  private scanWaiters: Array<() => void> = [];
  private changeWait: { mark: bigint | null; promise: Promise<void>; done: boolean } | null = null;

  constructor(
    private readonly deps: NotificationDispatcherDependencies,
    options: NotificationDispatcherOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.sendTimeoutMs = Math.min(options.sendTimeoutMs ?? 60_000, Math.floor(this.leaseMs / 2));
    this.maxIdleMs = options.maxIdleMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.actor = options.actor ?? 'system:notification-dispatcher';
    this.log = deps.logger;
  }

  /** Starts dispatching in the background. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.abort = new AbortController();
    this.changeWait = null;
    this.loop = this.run().finally(() => {
      this.loop = null;
    });
  }

  /** Stops looking for work and waits for the messages in flight to be sent and recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.kick?.();
    await this.loop;
    await this.settled();
  }

  /**
   * Looks at the outbox again now (after a clock change in tests, or from an operator command).
   * Resolves once that look has been taken and the due work started (see `settled`).
   */
  wake(): Promise<void> {
    if (!this.loop || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.scanWaiters.push(resolve);
      this.kicked = true;
      this.kick?.();
    });
  }

  /** Resolves once no message is in flight. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  private async run(): Promise<void> {
    this.log?.info({ runId: this.runId, concurrency: this.concurrency, leaseMs: this.leaseMs }, 'notification dispatcher started');
    while (!this.stopping) {
      const mark = this.deps.outbox.mark();
      this.kicked = false;
      const waiters = this.scanWaiters.splice(0);
      try {
        this.dispatchDue();
      } catch (error) {
        this.log?.error({ err: error }, 'could not read the notification outbox');
        await this.pause(1_000);
      } finally {
        for (const resolve of waiters) resolve();
      }
      if (this.stopping) break;
      await this.waitForWork(mark);
      // Whatever woke the loop, timers and I/O get their turn before the next look.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (const resolve of this.scanWaiters.splice(0)) resolve();
    this.log?.info({ runId: this.runId }, 'notification dispatcher stopped');
  }

  private dispatchDue(): void {
    const capacity = this.concurrency - this.inFlight.size;
    if (capacity <= 0) {
      this.backlog = true;
      return;
    }
    this.forgetOldRevisions();
    const limit = capacity + this.inFlight.size + Math.min(this.known.size, 100);
    const entries = this.deps.outbox.due(this.deps.clock.now(), limit).filter((entry) => this.isActionable(entry));
    this.backlog = entries.length > capacity;
    for (const entry of entries.slice(0, capacity)) {
      const work = entry.state === 'pending' ? this.attempt(entry) : this.expireLease(entry);
      const task = work
        .catch((error: unknown) => this.log?.error({ notificationId: entry.notificationId, err: error }, 'notification dispatch failed'))
        .finally(() => {
          this.inFlight.delete(entry.notificationId);
          // Room for the work left aside; otherwise the outbox's own changes wake the loop.
          if (this.backlog) {
            this.kicked = true;
            this.kick?.();
          }
        });
      this.inFlight.set(entry.notificationId, task);
    }
  }

  /** Skips what is being handled here, and rows older than what this dispatcher knows of the stream. */
  private isActionable(entry: OutboxEntry): boolean {
    if (this.inFlight.has(entry.notificationId)) return false;
    const known = this.known.get(entry.notificationId);
    if (known === undefined) return true;
    if (entry.revision < known.revision) return false;
    this.known.delete(entry.notificationId);
    return true;
  }

  private remember(notificationId: string, revision: bigint): void {
    const known = this.known.get(notificationId);
    if (known === undefined || known.revision < revision) this.known.set(notificationId, { revision, at: Date.now() });
  }

  /**
   * The outbox shows what we wrote or read within moments; a row it never shows again (sent,
   * abandoned) is forgotten after a while. Only an optimisation: every decision is taken on the stream.
   */
  private forgetOldRevisions(): void {
    const before = Date.now() - 60_000;
    for (const [id, known] of this.known) if (known.at < before) this.known.delete(id);
  }

  private async waitForWork(mark: bigint | null): Promise<void> {
    if (this.stopping || this.kicked) return;
    const now = this.deps.clock.now();
    const next = this.deps.outbox.nextDueAfter(now);
    const delay = Math.min(this.maxIdleMs, next === null ? this.maxIdleMs : Math.max(0, next.getTime() - now.getTime()));
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve) => {
        this.kick = resolve;
        timer = setTimeout(resolve, delay);
        timer.unref();
        void this.changed(mark).then(resolve);
      });
    } finally {
      this.kick = null;
      clearTimeout(timer);
    }
  }

  /**
   * One outstanding wait per mark, however many times the loop wakes for other reasons. A wait that
   * ended while the mark stayed the same (the projection stopped or failed) is not reused: the next
   * one waits afresh, and the timer keeps the loop going meanwhile.
   */
  private changed(mark: bigint | null): Promise<void> {
    if (this.changeWait === null || this.changeWait.mark !== mark || this.changeWait.done) {
      const wait = { mark, promise: this.deps.outbox.changedSince(mark, this.abort.signal), done: false };
      void wait.promise.then(() => (wait.done = true));
      this.changeWait = wait;
    }
    return this.changeWait.promise;
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const stream = notificationStream(entry.notificationId);
    const loaded = await this.load(stream);
    if (loaded === null) return;
    const { state, correlationId } = loaded;
    const now = this.deps.clock.now();
    if (state.status !== 'pending' || (state.retryAt !== null && Date.parse(state.retryAt) > now.getTime())) {
      // The outbox is behind the stream.
      this.remember(entry.notificationId, loaded.revision);
      return;
    }
    const attempt = state.attempts + 1;
    const request = state.request;

    try {
      const claim = await this.execute(stream, correlationId, `${stream}:attempt-${attempt}:start:${this.runId}`, {
        type: 'StartDispatch',
        attempt,
        at: now.toISOString(),
        leaseMs: this.leaseMs,
      });
      // Only an append made now gives this dispatcher the attempt.
      if (claim.alreadyApplied || claim.events.length === 0) return;
    } catch (error) {
      if (error instanceof DomainError || error instanceof ConcurrencyConflictError) {
        // Another dispatcher wrote to the stream since it was read.
        this.remember(entry.notificationId, loaded.revision + 1n);
        this.log?.debug?.({ notificationId: request.notificationId, attempt, refusal: error instanceof DomainError ? error.code : 'conflict' }, 'notification taken by another dispatcher');
        return;
      }
      // The claim may or may not be in the log: send nothing; if it is, its lease will expire.
      throw error;
    }
    const details = { notificationId: request.notificationId, template: request.template, channel: request.channel, attempt };
    this.log?.info(details, 'notification dispatch started');

    const outcome = await this.deliver(request, attempt);
    await this.record(stream, correlationId, attempt, outcome, details);
  }

  private async deliver(request: NotificationRequest, attempt: number): Promise<Outcome> {
    const failed = (reason: string, permanent: boolean): Outcome => ({ kind: 'failed', reason, permanent });
    const template = this.deps.templates.get(request.template);
    if (!template || template.channel !== request.channel) return failed('template-unknown', false);

    let to: string | null;
    try {
      to = await this.deps.recipients.resolve(request.subject, request.channel);
    } catch (error) {
      return failed(error instanceof NoRecipientDirectoryError ? 'recipient-directory-missing' : 'recipient-lookup-failed', false);
    }
    if (typeof to !== 'string' || to.trim() === '') return failed('recipient-unavailable', true);

    let secrets: Record<string, string> = {};
    if (template.secrets.length > 0) {
      try {
        secrets = await this.deps.secrets.issue(template.name, request.subject, request.notificationId);
      } catch (error) {
        if (error instanceof SecretIssueRefusedError) return failed(isReasonCode(error.reason) ? error.reason : 'secret-refused', true);
        return failed(error instanceof NoSecretIssuerError ? 'secret-issuer-missing' : 'secret-issue-failed', false);
      }
      if (template.secrets.some((name) => typeof secrets[name] !== 'string' || secrets[name] === '')) return failed('secret-incomplete', false);
    }

    let message: OutgoingNotification;
    try {
      const rendered = template.render(request.parameters, secrets);
      message = {
        notificationId: request.notificationId,
        attempt,
        channel: request.channel,
        template: template.name,
        to,
        ...(rendered.subject === undefined ? {} : { subject: rendered.subject }),
        text: rendered.text,
      };
    } catch {
      return failed('template-render-failed', true);
    }

    const sender = this.deps.senders[request.channel];
    try {
      const receipt = await withTimeout(sender.send(message), this.sendTimeoutMs);
      if (receipt === TIMED_OUT) return { kind: 'uncertain', reason: 'send-timeout' };
      return { kind: 'sent', providerMessageId: isProviderMessageId(receipt.providerMessageId) ? receipt.providerMessageId : 'unreported' };
    } catch (error) {
      if (error instanceof DeliveryError) {
        const reason = isReasonCode(error.reason) ? error.reason : 'send-failed';
        return error.outcome === 'uncertain' ? { kind: 'uncertain', reason } : failed(reason, error.outcome === 'permanent');
      }
      // Not a classified failure: whether the message left cannot be known. (The error's text may
      // quote the address: only its name is logged.)
      this.log?.error(
        { notificationId: request.notificationId, attempt, transport: sender.transport, errorName: error instanceof Error ? error.name : typeof error },
        'sender failed unexpectedly',
      );
      return { kind: 'uncertain', reason: 'sender-error' };
    }
  }

  private async record(stream: string, correlationId: string | undefined, attempt: number, outcome: Outcome, details: Record<string, unknown>): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const command: NotificationCommand =
      outcome.kind === 'sent'
        ? { type: 'RecordSent', attempt, providerMessageId: outcome.providerMessageId }
        : outcome.kind === 'failed'
          ? { type: 'RecordFailure', attempt, reason: outcome.reason, permanent: outcome.permanent, at, jitter: this.random() }
          : { type: 'RecordDeliveryUncertain', attempt, reason: outcome.reason, at };
    for (let tries = 1; ; tries++) {
      try {
        const result = await this.execute(stream, correlationId, `${stream}:attempt-${attempt}:outcome`, command);
        this.logOutcome(details, outcome, result.events);
        return;
      } catch (error) {
        if (error instanceof DomainError) {
          this.log?.warn({ ...details, outcome: outcome.kind, refusal: error.code }, 'notification outcome not recorded: the attempt is no longer in progress');
          return;
        }
        if (tries >= 5) {
          this.log?.error({ ...details, outcome: outcome.kind, err: error }, 'could not record the notification outcome; the attempt will be recorded as uncertain when its lease expires');
          return;
        }
        await this.pause(100 * 2 ** tries, false);
      }
    }
  }

  private logOutcome(details: Record<string, unknown>, outcome: Outcome, events: readonly NotificationEvent[]): void {
    const abandoned = events.find((event) => event.type === 'NotificationAbandoned');
    const failed = events.find((event) => event.type === 'NotificationFailed');
    switch (outcome.kind) {
      case 'sent':
        this.log?.info({ ...details, providerMessageId: outcome.providerMessageId }, 'notification sent');
        return;
      case 'uncertain':
        this.log?.warn({ ...details, reason: outcome.reason }, 'notification delivery uncertain: it will not be resent automatically');
        return;
      case 'failed':
        if (abandoned) this.log?.warn({ ...details, reason: outcome.reason, permanent: outcome.permanent }, 'notification abandoned');
        else this.log?.info({ ...details, reason: outcome.reason, retryAt: failed?.type === 'NotificationFailed' ? failed.data.retryAt : null }, 'notification failed; will retry');
    }
  }

  /** Records an attempt whose dispatcher vanished as uncertain: never resent automatically. */
  private async expireLease(entry: OutboxEntry): Promise<void> {
    const stream = notificationStream(entry.notificationId);
    const loaded = await this.load(stream);
    if (loaded === null) return;
    const now = this.deps.clock.now();
    if (loaded.state.status !== 'dispatching' || Date.parse(loaded.state.leaseExpiresAt) > now.getTime()) {
      this.remember(entry.notificationId, loaded.revision);
      return;
    }
    const attempt = loaded.state.attempts;
    try {
      await this.execute(stream, loaded.correlationId, `${stream}:attempt-${attempt}:lease-expired`, {
        type: 'RecordDeliveryUncertain',
        attempt,
        reason: LEASE_EXPIRED,
        at: now.toISOString(),
      });
    } catch (error) {
      if (error instanceof DomainError || error instanceof ConcurrencyConflictError) {
        this.remember(entry.notificationId, loaded.revision + 1n);
        return;
      }
      throw error;
    }
    this.log?.warn(
      { notificationId: entry.notificationId, template: loaded.state.request.template, channel: loaded.state.request.channel, attempt, reason: LEASE_EXPIRED },
      'notification delivery uncertain: its dispatcher stopped during the attempt; it will not be resent automatically',
    );
  }

  private async execute(stream: string, correlationId: string | undefined, commandId: string, command: NotificationCommand) {
    const result = await handleCommand(
      this.deps.store,
      notificationDecider,
      { commandId, stream, command, actor: this.actor, ...(correlationId === undefined ? {} : { correlationId }) },
      { now: () => this.deps.clock.now() },
    );
    if (result.nextExpectedRevision !== null) this.remember(stream.slice(stream.indexOf('-') + 1), result.nextExpectedRevision);
    return result;
  }

  /** The notification's state from its own stream (the outbox may lag), and its correlation id. */
  private async load(stream: string): Promise<{ state: NotificationState; revision: bigint; correlationId: string | undefined } | null> {
    let state = notificationDecider.initialState();
    let revision = -1n;
    let correlationId: string | undefined;
    try {
      for await (const recorded of this.deps.store.readStream(stream)) {
        state = notificationDecider.evolve(state, { type: recorded.type, data: recorded.data } as unknown as NotificationEvent);
        revision = recorded.revision;
        correlationId ??= recorded.metadata.correlationId;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
    return state.status === 'none' ? null : { state, revision, correlationId };
  }

  private pause(ms: number, abortable = true): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (abortable) signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The promise's value, or TIMED_OUT if it takes longer than `ms` (the promise keeps running, its rejection is absorbed). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
