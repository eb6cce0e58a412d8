/**
 * What the dispatcher needs from the outbox read model (the `notification-outbox` projection):
 * which notifications are waiting, when the next one falls due, and a wake-up when new
 * notification events have been applied. It is a view that may lag behind the log: every
 * decision is taken again on the notification's own stream, so a stale row costs a read, never a
 * second send.
 */
export interface OutboxEntry {
  notificationId: string;
  /** `pending`: an attempt is due at `dueAt`; `dispatching`: the current attempt's lease ends at `dueAt`. */
  state: 'pending' | 'dispatching';
  /** Attempts made so far. */
  attempts: number;
  dueAt: Date;
  /** The revision of the notification's stream the entry reflects. */
  revision: bigint;
}

export interface NotificationOutbox {
  /** Entries due at `now` (attempts to make, leases run out), the longest-waiting first. */
  due(now: Date, limit: number): OutboxEntry[];
  /** The earliest instant after `now` at which an entry falls due, or null if none will. */
  nextDueAfter(now: Date): Date | null;
  /** A marker of the events the view reflects now. */
  mark(): bigint | null;
  /** Resolves once the view reflects events newer than `mark`, or when `signal` aborts. */
  changedSince(mark: bigint | null, signal: AbortSignal): Promise<void>;
}
