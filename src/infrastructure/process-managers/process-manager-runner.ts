import type { AllFilter, EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { matchesFilter } from '../event-store/validation.js';
import { CheckpointStore, type Checkpoint } from '../../projections/checkpoint-store.js';
import type { ReadModelDb } from '../../projections/projection.js';
import type { RunnerLogger } from '../../projections/projection-runner.js';

/**
 * A step of a multi-step flow that must happen after an event, even if the process crashed right
 * after the event was recorded: "a registration was submitted" → "ask for its confirmation codes".
 * `handle` must be idempotent (append with deterministic ids): the runner delivers at least once.
 */
export interface ProcessManager {
  readonly name: string;
  readonly filter: AllFilter;
  handle(event: RecordedEvent): Promise<void>;
}

/**
 * Feeds a process manager from `$all`, from its own checkpoint in the node's read-model database,
 * moving the checkpoint only after the handler succeeded. A failing handler is retried with
 * back-off (never skipped: a flow must not silently lose a step), and says so in the logs.
 */
export class ProcessManagerRunner {
  private readonly checkpoints: CheckpointStore;
  private checkpoint: Checkpoint;
  private subscription: { close(): Promise<void> } | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private readonly waiters = new Set<{ position: bigint; resolve: () => void }>();

  constructor(
    private readonly store: EventStore,
    db: ReadModelDb,
    readonly processManager: ProcessManager,
    private readonly logger?: RunnerLogger,
  ) {
    this.checkpoints = new CheckpointStore(db);
    this.checkpoint = this.checkpoints.get(this.key) ?? { name: this.key, version: 1, position: null, eventsApplied: 0, lastEventAt: null };
  }

  private get key(): string {
    return `process-manager:${this.processManager.name}`;
  }

  get position(): bigint | null {
    return this.checkpoint.position;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => (this.loop = null));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.loop;
  }

  /** Resolves once every event up to `position` has been handled (or skipped as not of interest). */
  waitForPosition(position: bigint): Promise<void> {
    if (this.checkpoint.position !== null && this.checkpoint.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ position, resolve }));
  }

  private async run(): Promise<void> {
    const subscription = this.store.subscribeToAll({ fromPosition: this.checkpoint.position ?? 'start' });
    this.subscription = subscription;
    let unsaved = 0;
    try {
      for await (const message of subscription) {
        if (this.stopping) break;
        if (message.kind === 'caughtUp') {
          if (unsaved > 0) this.save();
          unsaved = 0;
          continue;
        }
        const { event } = message;
        const relevant = matchesFilter(this.processManager.filter, event.stream, event.type);
        if (relevant && !(await this.handleWithRetries(event))) break;
        this.checkpoint = { ...this.checkpoint, position: event.position, eventsApplied: this.checkpoint.eventsApplied + (relevant ? 1 : 0), lastEventAt: event.recordedAt };
        // Saved after every handled event; skipped ones are saved in bulk (replaying them is free).
        if (relevant || ++unsaved >= 500) {
          this.save();
          unsaved = 0;
        } else this.wake();
      }
    } finally {
      if (unsaved > 0) this.save();
      this.subscription = null;
      await subscription.close();
    }
  }

  private async handleWithRetries(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.processManager.handle(event);
        return true;
      } catch (error) {
        const delayMs = Math.min(30_000, 100 * 2 ** Math.min(attempt, 9));
        this.logger?.error(
          { processManager: this.processManager.name, position: event.position.toString(), type: event.type, attempt, retryInMs: delayMs, err: error },
          'process manager step failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
    return false;
  }

  private save(): void {
    this.checkpoints.put(this.checkpoint);
    this.wake();
  }

  private wake(): void {
    const position = this.checkpoint.position;
    if (position === null) return;
    for (const waiter of this.waiters) {
      if (waiter.position <= position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
