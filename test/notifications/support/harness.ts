import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { NotificationDispatcher, type NotificationDispatcherOptions } from '../../../src/application/notifications/notification-dispatcher.js';
import { NotificationRequests } from '../../../src/application/notifications/notification-requests.js';
import { RecipientDirectoryRegistry, SecretIssuerRegistry } from '../../../src/application/notifications/registries.js';
import { TemplateRegistry } from '../../../src/application/notifications/templates.js';
import { ManualClock, type Clock } from '../../../src/application/ports/clock.js';
import type { NotificationSenders } from '../../../src/application/ports/notification-sender.js';
import type { RetryPolicy } from '../../../src/domain/notifications/notification.events.js';
import { collect, type EventStore, type RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { createLogger } from '../../../src/infrastructure/logging/create-logger.js';
import { notificationOutboxProjection } from '../../../src/projections/notification-outbox/notification-outbox.projection.js';
import { NotificationOutboxView } from '../../../src/projections/notification-outbox/notification-outbox.view.js';
import type { ReadModelDb } from '../../../src/projections/projection.js';
import { ProjectionRunner } from '../../../src/projections/projection-runner.js';
import { openReadModelDatabase } from '../../../src/projections/read-model-database.js';

/** A person of the tests: the directory's stand-in for the registration slice's data. */
export interface TestPerson {
  subject: string;
  email: string | null;
  phone: string | null;
}

export function person(overrides: Partial<TestPerson> = {}): TestPerson {
  const id = randomUUID();
  return { subject: `registration-${id}`, email: `voter-${id.slice(0, 8)}@example.org`, phone: `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`, ...overrides };
}

/** A distinctive code, so that finding it anywhere is never a coincidence. */
export function freshCode(): string {
  return `K${randomBytes(6).toString('hex').toUpperCase()}`;
}

/**
 * The notification slice on real parts: a SQLite event store and read-model database in a temp
 * folder, the outbox projection run by the real ProjectionRunner, the real dispatcher. The two
 * ports owned by other slices get simple stand-ins: a directory from a map, an issuer of random codes.
 */
export class NotificationHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'urne-notifications-'));
  readonly store: SqliteEventStore;
  readonly db: ReadModelDb;
  readonly runner: ProjectionRunner;
  readonly templates = new TemplateRegistry();
  readonly issuers = new SecretIssuerRegistry();
  readonly directories = new RecipientDirectoryRegistry();
  readonly requests: NotificationRequests;
  readonly people = new Map<string, TestPerson>();
  /** Every code the test issuer handed out, in order, with its template and notification. */
  readonly issued: Array<{ template: string; subject: string; notificationId: string; code: string }> = [];
  readonly logLines: string[] = [];
  readonly logger = createLogger(
    { logLevel: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.logLines.push(chunk.toString());
        done();
      },
    }),
  );
  private readonly dispatchers: NotificationDispatcher[] = [];

  constructor(
    readonly clock: Clock = new ManualClock('2013-05-20T10:00:00Z'),
    retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 },
  ) {
    this.store = new SqliteEventStore({ file: join(this.dir, 'events.sqlite') });
    this.db = openReadModelDatabase(join(this.dir, 'read-models.sqlite'));
    this.runner = new ProjectionRunner(this.store, this.db, notificationOutboxProjection, { lagLogIntervalMs: 0 });
    this.runner.start();
    this.requests = new NotificationRequests(this.store, this.templates, clock, retry);
    this.directories.register('registration', (subject, channel) => {
      const known = this.people.get(subject);
      if (!known) return null;
      return channel === 'email' ? known.email : known.phone;
    });
    const issue = (template: string, subject: string, notificationId: string) => {
      const code = freshCode();
      this.issued.push({ template, subject, notificationId, code });
      return { code };
    };
    for (const template of this.templates.list()) if (template.secrets.length > 0) this.issuers.register(template.name, issue);
  }

  add(someone: TestPerson): TestPerson {
    this.people.set(someone.subject, someone);
    return someone;
  }

  dispatcher(senders: NotificationSenders, options: NotificationDispatcherOptions = {}): NotificationDispatcher {
    const dispatcher = new NotificationDispatcher(
      {
        store: this.store,
        outbox: new NotificationOutboxView(this.db, this.runner),
        senders,
        templates: this.templates,
        secrets: this.issuers,
        recipients: this.directories,
        clock: this.clock,
        logger: this.logger.child({ context: 'Notifications' }),
      },
      options,
    );
    this.dispatchers.push(dispatcher);
    return dispatcher;
  }

  async events(notificationId: string): Promise<RecordedEvent[]> {
    return collect(this.store.readStream(`notification-${notificationId}`));
  }

  /** Waits until the notification's stream holds an event of `type` (the log is the truth). */
  async waitFor(notificationId: string, type: string): Promise<RecordedEvent[]> {
    return waitForEvent(this.store, notificationId, type);
  }

  async close(): Promise<void> {
    await Promise.all(this.dispatchers.map((dispatcher) => dispatcher.stop()));
    await this.runner.stop();
    await this.store.close();
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Subscribes to the notification's stream and resolves with its events once one of `type` is there. */
export async function waitForEvent(store: EventStore, notificationId: string, type: string): Promise<RecordedEvent[]> {
  const stream = `notification-${notificationId}`;
  const subscription = store.subscribeToAll({ filter: { kind: 'streamName', prefixes: [stream] } });
  const seen: RecordedEvent[] = [];
  try {
    for await (const message of subscription) {
      if (message.kind !== 'event' || message.event.stream !== stream) continue;
      seen.push(message.event);
      if (message.event.type === type) return seen;
    }
  } finally {
    await subscription.close();
  }
  throw new Error(`subscription ended before ${type} in ${stream}`);
}

/** The needles found in the bytes of these files (a SQLite database and its WAL, logs…). */
export function findInFiles(files: readonly string[], needles: readonly string[]): string[] {
  const contents = files.filter((file) => existsSync(file)).map((file) => readFileSync(file));
  return needles.filter((needle) => contents.some((content) => content.includes(Buffer.from(needle, 'utf8'))));
}

export function sqliteFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`];
}
