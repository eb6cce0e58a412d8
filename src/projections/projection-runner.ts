import type { EventStore, RecordedEvent, SubscriptionMessage } from '../infrastructure/event-store/event-store.port.js';
import { matchesFilter } from '../infrastructure/event-store/validation.js';
import { CheckpointStore, type Checkpoint } from './checkpoint-store.js';
import type { Projection, ReadModelDb } from './projection.js';

/** The subset of a pino logger the runner uses. */
export interface RunnerLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ProjectionRunnerOptions {
  /** Events applied per transaction while catching up (default 1,000). */
  batchSize?: number;
  /** How often lag is logged while running (default 10 s; 0 turns it off). */
  lagLogIntervalMs?: number;
  logger?: RunnerLogger;
  /** Called after each batch is committed (progress bars, tests). */
  onBatchCommitted?: (checkpoint: Checkpoint) => void;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  description: string;
  state: 'stopped' | 'catching-up' | 'live' | 'failed';
  position: bigint | null;
  eventsApplied: number;
  /** Events in `$all` after the checkpoint (a lower bound when `eventsBehindCapped`). */
  eventsBehind: number;
  eventsBehindCapped: boolean;
  /** recordedAt of the head minus recordedAt of the last applied event; 0 when caught up. */
  msBehind: number;
  headPosition: bigint | null;
  error: string | null;
}

/** Counting further than this to report lag would cost more than the number is worth. */
const LAG_SCAN_LIMIT = 10_000;

/** Someone else moved the checkpoint (a rebuild, or a second runner): start again from it. */
class CheckpointMovedError extends Error {}

/**
 * Feeds one projection from `$all`, from its own checkpoint. Each batch of events and the new
 * checkpoint are written in one SQLite transaction, and only if the checkpoint is still where this
 * runner left it; so a crash, a concurrent rebuild or a second runner can never count an event
 * twice or skip one.
 */
export class ProjectionRunner {
  private readonly checkpoints: CheckpointStore;
  private readonly batchSize: number;
  private state: ProjectionStatus['state'] = 'stopped';
  private lastError: string | null = null;
  private checkpoint: Checkpoint | null = null;
  private subscription: { close(): Promise<void> } | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly positionWaiters = new Set<{ position: bigint; resolve: () => void }>();
  private caughtUpWaiters: Array<() => void> = [];
  private applyBatch: (events: RecordedEvent[], expected: bigint | null) => void;

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.checkpoints = new CheckpointStore(db);
    this.batchSize = options.batchSize ?? 1_000;
    this.applyBatch = db.transaction((events: RecordedEvent[], expected: bigint | null) => {
      const current = this.checkpoints.get(projection.name);
      if (!current || current.version !== projection.version || current.position !== expected) throw new CheckpointMovedError();
      let applied = 0;
      for (const event of events) {
        if (!matchesFilter(projection.filter, event.stream, event.type)) continue;
        projection.apply(db, event);
        applied++;
      }
      const last = events[events.length - 1]!;
      this.checkpoint = { ...current, position: last.position, eventsApplied: current.eventsApplied + applied, lastEventAt: last.recordedAt };
      this.checkpoints.put(this.checkpoint);
    });
  }

  /** Drops the projection's rows and checkpoint; the next run replays the whole log. */
  static reset(db: ReadModelDb, projection: Projection): void {
    const checkpoints = new CheckpointStore(db);
    db.transaction(() => {
      projection.tearDown(db);
      projection.setUp(db);
      checkpoints.put({ name: projection.name, version: projection.version, position: null, eventsApplied: 0, lastEventAt: null });
    })();
  }

  /** Starts consuming in the background. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => {
      this.loop = null;
    });
    if (this.options.lagLogIntervalMs !== 0) {
      this.lagTimer = setInterval(() => void this.logLag(), this.options.lagLogIntervalMs ?? 10_000);
      this.lagTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.subscription?.close();
    await this.loop;
    this.state = this.state === 'failed' ? 'failed' : 'stopped';
  }

  /** Resolves once the projection has applied everything up to `position` (or failed/stopped). */
  waitForPosition(position: bigint): Promise<void> {
    if (this.checkpoint?.position != null && this.checkpoint.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.positionWaiters.add({ position, resolve }));
  }

  /** Resolves when the subscription has caught up with the log (or the runner stopped). */
  waitUntilLive(): Promise<void> {
    if (this.state === 'live') return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  async status(): Promise<ProjectionStatus> {
    const checkpoint = this.checkpoints.get(this.projection.name) ?? this.checkpoint;
    const position = checkpoint?.position ?? null;
    const headPosition = await this.store.headPosition();
    let eventsBehind = 0;
    let msBehind = 0;
    if (headPosition !== null && (position === null || position < headPosition)) {
      let headAt: Date | null = null;
      for await (const event of this.store.readAll({ direction: 'backwards', maxCount: 1 })) headAt = event.recordedAt;
      for await (const _ of this.store.readAll({ fromPosition: position ?? 'start', maxCount: LAG_SCAN_LIMIT })) eventsBehind++;
      const since = checkpoint?.lastEventAt ?? null;
      msBehind = headAt && since ? Math.max(0, headAt.getTime() - since.getTime()) : headAt ? Date.now() - headAt.getTime() : 0;
    }
    return {
      name: this.projection.name,
      version: this.projection.version,
      description: this.projection.description,
      state: this.state,
      position,
      eventsApplied: checkpoint?.eventsApplied ?? 0,
      eventsBehind,
      eventsBehindCapped: eventsBehind >= LAG_SCAN_LIMIT,
      msBehind,
      headPosition,
      error: this.lastError,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.consume();
      } catch (error) {
        if (error instanceof CheckpointMovedError) {
          this.options.logger?.warn({ projection: this.projection.name }, 'projection checkpoint moved under this runner; resuming from the stored checkpoint');
          continue;
        }
        this.state = 'failed';
        this.lastError = (error as Error).message;
        this.options.logger?.error({ projection: this.projection.name, err: error }, 'projection failed; it stays stopped until restarted');
        this.wakeAll();
        return;
      }
    }
  }

  private prepare(): Checkpoint {
    return this.db.transaction(() => {
      const stored = this.checkpoints.get(this.projection.name);
      if (stored && stored.version === this.projection.version) {
        this.projection.setUp(this.db);
        return stored;
      }
      if (stored) this.options.logger?.info({ projection: this.projection.name, from: stored.version, to: this.projection.version }, 'projection version changed: rebuilding');
      ProjectionRunner.reset(this.db, this.projection);
      return this.checkpoints.get(this.projection.name)!;
    })();
  }

  private async consume(): Promise<void> {
    this.checkpoint = this.prepare();
    // Another runner may have taken the checkpoint to where our waiters wait.
    this.wakePositionWaiters();
    this.state = 'catching-up';
    const startedAt = Date.now();
    const startedWith = this.checkpoint.eventsApplied;
    // The runner filters, not the subscription: the checkpoint must move past the events a
    // projection ignores too, or a projection interested in rare events would never be "at the
    // head", its lag would never reach 0, and every restart would re-read what it skipped.
    const subscription = this.store.subscribeToAll({ fromPosition: this.checkpoint.position ?? 'start' });
    this.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let batch: RecordedEvent[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      this.applyBatch(events, this.checkpoint!.position);
      this.wakePositionWaiters();
      this.options.onBatchCommitted?.(this.checkpoint!);
    };
    try {
      let pending: Promise<IteratorResult<SubscriptionMessage>> = iterator.next();
      while (!this.stopping) {
        // Once live, write the batch as soon as the next message would make us wait, so new events
        // reach the read model at once; while catching up, batches fill to batchSize.
        let result: IteratorResult<SubscriptionMessage> | 'idle' =
          this.state === 'live' && batch.length > 0 ? await Promise.race([pending, nextTick()]) : await pending;
        if (result === 'idle') {
          flush();
          result = await pending;
        }
        if (result.done) break;
        pending = iterator.next();
        const message = result.value;
        if (message.kind === 'event') {
          batch.push(message.event);
          if (batch.length >= this.batchSize) flush();
        } else {
          flush();
          this.state = 'live';
          const applied = this.checkpoint.eventsApplied - startedWith;
          const seconds = (Date.now() - startedAt) / 1000;
          this.options.logger?.info(
            { projection: this.projection.name, position: this.checkpoint.position?.toString() ?? null, applied, eventsPerSecond: Math.round(applied / Math.max(seconds, 0.001)) },
            'projection caught up',
          );
          this.caughtUpWaiters.splice(0).forEach((wake) => wake());
        }
      }
      flush();
    } finally {
      this.subscription = null;
      await subscription.close();
    }
  }

  private wakePositionWaiters(): void {
    const position = this.checkpoint?.position;
    if (position == null) return;
    for (const waiter of this.positionWaiters) {
      if (waiter.position <= position) {
        this.positionWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private wakeAll(): void {
    for (const waiter of this.positionWaiters) waiter.resolve();
    this.positionWaiters.clear();
    this.caughtUpWaiters.splice(0).forEach((wake) => wake());
  }

  private async logLag(): Promise<void> {
    try {
      const status = await this.status();
      this.options.logger?.info(
        {
          projection: status.name,
          state: status.state,
          position: status.position?.toString() ?? null,
          eventsBehind: status.eventsBehind,
          msBehind: status.msBehind,
        },
        'projection lag',
      );
    } catch (error) {
      this.options.logger?.warn({ projection: this.projection.name, err: error }, 'could not measure projection lag');
    }
  }
}

function nextTick(): Promise<'idle'> {
  return new Promise((resolve) => setImmediate(() => resolve('idle')));
}
