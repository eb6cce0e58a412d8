import type Database from 'better-sqlite3';
import type { NotificationEvent } from '../../domain/notifications/notification.events.js';
import { NOTIFICATION_EVENT_PREFIX } from '../../domain/notifications/notification.events.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';
import type { Projection, ReadModelDb } from '../projection.js';

export const NOTIFICATION_OUTBOX = 'notification-outbox';

export type OutboxState = 'pending' | 'dispatching' | 'failed' | 'sent' | 'abandoned' | 'uncertain';

/**
 * One row per notification: where it stands and when it next needs a dispatcher (`due_at`: the
 * next attempt while pending, the lease's end while dispatching, null once settled). It holds
 * what the events hold: a subject, never an address; a reason code, never a secret.
 */
export const notificationOutboxProjection: Projection = {
  name: NOTIFICATION_OUTBOX,
  version: 1,
  description: 'Notifications waiting to be sent, being sent, and their outcome',
  filter: { kind: 'eventType', prefixes: [NOTIFICATION_EVENT_PREFIX] },
  setUp(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS notification_outbox (
      notification_id     TEXT    PRIMARY KEY,
      channel             TEXT    NOT NULL,
      template            TEXT    NOT NULL,
      subject             TEXT    NOT NULL,
      state               TEXT    NOT NULL,
      attempts            INTEGER NOT NULL,
      due_at              INTEGER,
      last_reason         TEXT,
      provider_message_id TEXT,
      requested_at        INTEGER NOT NULL,
      updated_at          INTEGER NOT NULL,
      revision            INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS notification_outbox_due ON notification_outbox (due_at) WHERE due_at IS NOT NULL;
    CREATE INDEX IF NOT EXISTS notification_outbox_subject ON notification_outbox (subject)`);
  },
  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS notification_outbox');
  },
  apply(db, recorded) {
    const event = { type: recorded.type, data: recorded.data } as unknown as NotificationEvent;
    const s = statements(db);
    const at = Date.parse(recorded.metadata.occurredAt);
    const common = { id: idOf(recorded), revision: recorded.revision, at };
    switch (event.type) {
      case 'NotificationRequested':
        s.insert.run({ ...common, channel: event.data.channel, template: event.data.template, subject: event.data.subject });
        return;
      case 'NotificationDispatchStarted':
        s.update.run({ ...common, state: 'dispatching', attempts: event.data.attempt, dueAt: Date.parse(event.data.leaseExpiresAt), reason: null, providerMessageId: null });
        return;
      case 'NotificationSent':
        s.update.run({ ...common, state: 'sent', attempts: event.data.attempt, dueAt: null, reason: null, providerMessageId: event.data.providerMessageId });
        return;
      case 'NotificationFailed': {
        const retryAt = event.data.retryAt;
        s.update.run({ ...common, state: retryAt === null ? 'failed' : 'pending', attempts: event.data.attempt, dueAt: retryAt === null ? null : Date.parse(retryAt), reason: event.data.reason, providerMessageId: null });
        return;
      }
      case 'NotificationAbandoned':
        s.update.run({ ...common, state: 'abandoned', attempts: event.data.attempts, dueAt: null, reason: event.data.reason, providerMessageId: null });
        return;
      case 'NotificationDeliveryUncertain':
        s.update.run({ ...common, state: 'uncertain', attempts: event.data.attempt, dueAt: null, reason: event.data.reason, providerMessageId: null });
        return;
      default:
        // A notification event this version does not know: nothing to show.
        return;
    }
  },
};

function idOf(event: RecordedEvent): string {
  return event.stream.slice(event.stream.indexOf('-') + 1);
}

interface Statements {
  insert: Database.Statement;
  update: Database.Statement;
}

// Prepared once per database connection.
const prepared = new WeakMap<ReadModelDb, Statements>();
function statements(db: ReadModelDb): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      // A request is recorded once per stream; a replayed one changes nothing.
      insert: db.prepare(`INSERT INTO notification_outbox (notification_id, channel, template, subject, state, attempts, due_at, requested_at, updated_at, revision)
        VALUES (@id, @channel, @template, @subject, 'pending', 0, @at, @at, @at, @revision) ON CONFLICT (notification_id) DO NOTHING`),
      update: db.prepare(`UPDATE notification_outbox SET state = @state, attempts = @attempts, due_at = @dueAt,
        last_reason = COALESCE(@reason, last_reason), provider_message_id = COALESCE(@providerMessageId, provider_message_id),
        updated_at = @at, revision = @revision WHERE notification_id = @id`),
    };
    prepared.set(db, s);
  }
  return s;
}

export interface NotificationOutboxRow {
  notificationId: string;
  channel: string;
  template: string;
  subject: string;
  state: OutboxState;
  attempts: number;
  dueAt: Date | null;
  lastReason: string | null;
  providerMessageId: string | null;
  requestedAt: Date;
  updatedAt: Date;
  revision: bigint;
}

interface Row {
  notification_id: string;
  channel: string;
  template: string;
  subject: string;
  state: string;
  attempts: bigint;
  due_at: bigint | null;
  last_reason: string | null;
  provider_message_id: string | null;
  requested_at: bigint;
  updated_at: bigint;
  revision: bigint;
}

function toRow(row: Row): NotificationOutboxRow {
  return {
    notificationId: row.notification_id,
    channel: row.channel,
    template: row.template,
    subject: row.subject,
    state: row.state as OutboxState,
    attempts: Number(row.attempts),
    dueAt: row.due_at === null ? null : new Date(Number(row.due_at)),
    lastReason: row.last_reason,
    providerMessageId: row.provider_message_id,
    requestedAt: new Date(Number(row.requested_at)),
    updatedAt: new Date(Number(row.updated_at)),
    revision: row.revision,
  };
}

const COLUMNS = 'notification_id, channel, template, subject, state, attempts, due_at, last_reason, provider_message_id, requested_at, updated_at, revision';

/** Every notification, or those of one subject (what support sees for a person), oldest first. */
export function readNotificationOutbox(db: ReadModelDb, filter: { subject?: string } = {}): NotificationOutboxRow[] {
  const order = 'ORDER BY requested_at, notification_id';
  const rows =
    filter.subject === undefined
      ? db.prepare<[], Row>(`SELECT ${COLUMNS} FROM notification_outbox ${order}`).safeIntegers(true).all()
      : db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM notification_outbox WHERE subject = ? ${order}`).safeIntegers(true).all(filter.subject);
  return rows.map(toRow);
}

/** Notifications that need a dispatcher at `now`, the longest-waiting first. */
export function readDueNotifications(db: ReadModelDb, now: Date, limit: number): NotificationOutboxRow[] {
  return db
    .prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM notification_outbox WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, notification_id LIMIT ?`)
    .safeIntegers(true)
    .all(now.getTime(), limit)
    .map(toRow);
}

/** The earliest instant after `now` at which a notification needs a dispatcher. */
export function readNextDueAfter(db: ReadModelDb, now: Date): Date | null {
  const row = db.prepare<[number], { next: bigint | null }>('SELECT MIN(due_at) AS next FROM notification_outbox WHERE due_at > ?').safeIntegers(true).get(now.getTime());
  return row?.next == null ? null : new Date(Number(row.next));
}
