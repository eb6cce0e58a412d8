import { CheckpointStore } from '../checkpoint-store.js';
import type { ReadModelDb } from '../projection.js';
import { NOTIFICATION_OUTBOX, notificationOutboxProjection, readDueNotifications, readNextDueAfter } from './notification-outbox.projection.js';

/** What the view needs from the runner that feeds the projection. */
export interface OutboxFeed {
  waitForPosition(position: bigint): Promise<void>;
}

/**
 * The outbox as the notification dispatcher sees it (it implements the application's
 * `NotificationOutbox`): due rows from the projection's table, and a wake-up as soon as the
 * projection has applied a newer notification event (no polling delay).
 */
export class NotificationOutboxView {
  private readonly checkpoints: CheckpointStore;

  constructor(
    private readonly db: ReadModelDb,
    private readonly feed: OutboxFeed,
  ) {
    this.checkpoints = new CheckpointStore(db);
    // The runner creates the table when it starts; a dispatcher started first finds it too.
    notificationOutboxProjection.setUp(db);
  }

  due(now: Date, limit: number) {
    return readDueNotifications(this.db, now, limit).map((row) => ({
      notificationId: row.notificationId,
      state: row.state as 'pending' | 'dispatching',
      attempts: row.attempts,
      dueAt: row.dueAt!,
      revision: row.revision,
    }));
  }

  nextDueAfter(now: Date): Date | null {
    return readNextDueAfter(this.db, now);
  }

  mark(): bigint | null {
    return this.checkpoints.get(NOTIFICATION_OUTBOX)?.position ?? null;
  }

  changedSince(mark: bigint | null, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void this.feed.waitForPosition(mark === null ? 0n : mark + 1n).then(done);
    });
  }
}
