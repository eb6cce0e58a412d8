import type { Clock } from '../../application/ports/clock.js';
import { deterministicEventId } from '../../application/command-handling/deterministic-id.js';
import {
  GENESIS,
  LEDGER_SEALED,
  LedgerChain,
  PHASE_CHANGE_EVENT_TYPES,
  SEAL_ALGORITHM,
  sealOfEventData,
  sealSigningBytes,
  sealStreamName,
  type LedgerSeal,
  type SealBody,
  type SealReason,
} from '../../domain/ledger/index.js';
import { WrongExpectedVersionError } from '../event-store/event-store.errors.js';
import type { EventStore, JsonObject, RecordedEvent } from '../event-store/event-store.port.js';
import type { ReadModelDb } from '../../projections/projection.js';
import type { RunnerLogger } from '../../projections/projection-runner.js';
import { nodeSha256, type SealingKey } from './ledger-crypto.js';
import { LedgerSealStore, SealerStateMovedError, type ChainMark, type SealerState, type StoredSeal } from './ledger-seal-store.js';

export interface LedgerSealerOptions {
  /** A seal every this many events (seals excluded), at deterministic points (default 10,000). */
  everyEvents?: number;
  /** A seal when this much time passed since the last one and events came since (default 10 min). */
  intervalMs?: number;
  /** Seals carry the chain at every K-th event since the previous seal (default 1,000). */
  checkpointEvery?: number;
  /** How often the time rule is looked at (default: min(interval, 30 s); 0: never, call tick()). */
  timerMs?: number;
}

export const DEFAULT_SEALER_OPTIONS = { everyEvents: 10_000, intervalMs: 10 * 60_000, checkpointEvery: 1_000 } as const;

const RECENT = 20_000;
const SAVE_EVERY = 500;

/**
 * The sealer: folds every event of `$all` into the ledger chain, from its own checkpoint, and
 * appends a signed LedgerSealed event to `ledgerseal-<P>`:
 * - right after a phase-change event (P = that event),
 * - after every N-th event other than seals (P = that event: the same points on every node),
 * - when the interval has passed since the last seal and events other than seals came since
 *   (P = the last event read), only once caught up.
 * The seal's event id derives from P and it is appended with `no_stream`: a retry after a crash,
 * or another node sealing the same position, writes nothing twice. The running chain is saved with
 * its position in the read-model database, compare-and-set, before each seal and every 500 events;
 * after a crash it resumes from there and recomputes. Seals read back from the log are listed (the
 * ledgerSeals query) and checked against this node's own chain when it knows the position.
 */
export class LedgerSealer {
  private readonly sealStore: LedgerSealStore;
  private readonly options: Required<Omit<LedgerSealerOptions, 'timerMs'>> & { timerMs: number };
  private state!: SealerState;
  private savedPosition: bigint | null = null;
  private chain!: LedgerChain;
  private pendingMarks: ChainMark[] = [];
  private pendingSeals: StoredSeal[] = [];
  private unsaved = 0;
  private readonly recent = new Map<bigint, string>();
  private subscription: { close(): Promise<void> } | null = null;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private live = false;
  private diverged: string | null = null;
  private failures = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private startedAt: Date;
  private readonly waiters = new Set<{ position: bigint; resolve: () => void }>();

  constructor(
    private readonly store: EventStore,
    db: ReadModelDb,
    private readonly key: SealingKey,
    private readonly clock: Clock,
    options: LedgerSealerOptions = {},
    private readonly logger?: RunnerLogger,
  ) {
    const everyEvents = options.everyEvents ?? DEFAULT_SEALER_OPTIONS.everyEvents;
    const intervalMs = options.intervalMs ?? DEFAULT_SEALER_OPTIONS.intervalMs;
    const checkpointEvery = options.checkpointEvery ?? DEFAULT_SEALER_OPTIONS.checkpointEvery;
    for (const [name, value] of Object.entries({ everyEvents, intervalMs, checkpointEvery }))
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`ledger sealer: ${name} must be a positive integer`);
    this.options = { everyEvents, intervalMs, checkpointEvery, timerMs: options.timerMs ?? Math.min(intervalMs, 30_000) };
    this.sealStore = new LedgerSealStore(db);
    this.startedAt = clock.now();
    this.reload();
  }

  get seals(): LedgerSealStore {
    return this.sealStore;
  }

  get sealingKey(): SealingKey {
    return this.key;
  }

  /** Where the chain stands (what has been folded in, saved or not). */
  get chainState(): { position: bigint | null; chainHash: string; eventCount: number; diverged: string | null } {
    return { ...this.chain.state, diverged: this.diverged };
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.startedAt = this.clock.now();
    this.loop = this.runUntilStopped().finally(() => (this.loop = null));
    if (this.options.timerMs > 0) {
      this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.logger?.error({ err }, 'ledger seal failed')), this.options.timerMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.subscription?.close();
    await this.loop;
    await this.lock;
  }

  /** Resolves once every event up to `position` has been folded into the chain and saved. */
  waitForPosition(position: bigint): Promise<void> {
    if (this.savedPosition !== null && this.savedPosition >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ position, resolve }));
  }

  /** The time rule: seals now if the interval has passed and events other than seals came since. */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.live || this.diverged || this.stopping) return;
      const { lastNonSealPosition, lastSealedPosition } = this.state;
      if (lastNonSealPosition === null || (lastSealedPosition !== null && lastNonSealPosition <= lastSealedPosition)) return;
      const since = this.state.lastSealAt ?? this.startedAt;
      if (this.clock.now().getTime() - since.getTime() < this.options.intervalMs) return;
      await this.seal('interval');
    });
  }

  private reload(): void {
    const stored = this.sealStore.load();
    this.state = stored ?? { ...GENESIS, nonSealCount: 0, lastNonSealPosition: null, lastSealedPosition: null, lastSealAt: null };
    this.savedPosition = stored?.position ?? null;
    this.chain = new LedgerChain(nodeSha256, this.state);
    this.pendingMarks = [];
    this.pendingSeals = [];
    this.unsaved = 0;
    this.recent.clear();
  }

  private async runUntilStopped(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.run();
        if (this.diverged || this.stopping) return;
      } catch (error) {
        if (error instanceof SealerStateMovedError) this.logger?.warn({}, 'ledger sealer state moved under this sealer; resuming from the stored state');
        else {
          this.failures += 1;
          const retryInMs = Math.min(30_000, 100 * 2 ** Math.min(this.failures, 9));
          this.logger?.error({ err: error, retryInMs }, 'ledger sealer failed; resuming from its saved state');
          await new Promise((resolve) => setTimeout(resolve, retryInMs));
        }
        await this.exclusive(async () => this.reload());
      }
    }
  }

  private async run(): Promise<void> {
    this.live = false;
    const subscription = this.store.subscribeToAll({ fromPosition: this.state.position ?? 'start' });
    this.subscription = subscription;
    let failed = false;
    try {
      for await (const message of subscription) {
        if (this.stopping) break;
        if (message.kind === 'caughtUp') {
          await this.exclusive(async () => {
            this.live = true;
            this.save();
          });
          continue;
        }
        await this.exclusive(() => this.fold(message.event));
        if (this.diverged) break;
      }
    } catch (error) {
      // Nothing folded since the last save is saved: a seal that failed is retried after a replay.
      failed = true;
      throw error;
    } finally {
      this.subscription = null;
      await subscription.close();
      if (!failed)
        await this.exclusive(async () => {
        if (this.unsaved > 0 || this.pendingMarks.length > 0 || this.pendingSeals.length > 0) this.save();
      }).catch((error: unknown) => this.logger?.warn({ err: error }, 'ledger sealer state not saved at stop'));
    }
  }

  private async fold(event: RecordedEvent): Promise<void> {
    if (this.state.position !== null && event.position <= this.state.position) return;
    this.chain.append(event);
    const { chainHash, eventCount } = this.chain.state;
    this.state = { ...this.state, position: event.position, chainHash, eventCount };
    this.recent.set(event.position, chainHash);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
    if (eventCount % this.options.checkpointEvery === 0) this.pendingMarks.push({ position: event.position, chainHash, eventCount, checkpoint: true });

    if (event.type === LEDGER_SEALED) {
      this.noticeSeal(event);
    } else {
      this.state = { ...this.state, nonSealCount: this.state.nonSealCount + 1, lastNonSealPosition: event.position };
      if (PHASE_CHANGE_EVENT_TYPES.has(event.type)) await this.seal('phase-change', event.type);
      else if (this.state.nonSealCount % this.options.everyEvents === 0) await this.seal('interval');
    }
    this.unsaved += 1;
    if (this.live || this.unsaved >= SAVE_EVERY) this.save();
  }

  private noticeSeal(event: RecordedEvent): void {
    const seal = sealOfEventData(event.data);
    if (!seal) {
      this.logger?.warn({ position: event.position.toString(), stream: event.stream }, 'a LedgerSealed event that is not a seal');
      return;
    }
    this.pendingSeals.push({ eventPosition: event.position, stream: event.stream, eventId: event.id, seal });
    const sealed = BigInt(seal.position);
    if (this.state.lastSealedPosition === null || sealed > this.state.lastSealedPosition) this.state = { ...this.state, lastSealedPosition: sealed };
    const at = new Date(seal.at);
    if (this.state.lastSealAt === null || at > this.state.lastSealAt) this.state = { ...this.state, lastSealAt: at };
    // Our own chain at that position, if we still know it: a signed seal we disagree with means the
    // log changed under us (or two histories were signed). Stop sealing and say so loudly.
    const ours = this.recent.get(sealed) ?? this.pendingMarks.find((m) => m.position === sealed)?.chainHash ?? this.sealStore.mark(sealed)?.chainHash;
    if (ours !== undefined && ours !== seal.chainHash && seal.keyId === this.key.keyId) {
      this.diverged = `the seal at position ${event.position} says the chain at ${sealed} is ${seal.chainHash}; this node computed ${ours}`;
      this.logger?.error({ sealPosition: event.position.toString(), sealedPosition: seal.position, theirs: seal.chainHash, ours }, 'ledger chain diverges from a signed seal: sealing stopped');
    }
  }

  private async seal(reason: SealReason, trigger?: string): Promise<void> {
    if (this.diverged) return;
    const position = this.state.position!;
    // Not saved before the append: a crash before it replays to this position and seals again.
    this.pendingMarks.push({ position, chainHash: this.state.chainHash, eventCount: this.state.eventCount, checkpoint: false });
    const after = this.state.lastSealedPosition ?? -1n;
    const checkpoints = [
      ...this.sealStore.checkpointsBetween(this.state.lastSealedPosition, position),
      ...this.pendingMarks
        .filter((m) => m.checkpoint && m.position > after && m.position <= position)
        .map((m) => ({ position: m.position.toString(), chainHash: m.chainHash, eventCount: m.eventCount })),
    ];
    const at = this.clock.now();
    const body: SealBody = {
      position: position.toString(),
      chainHash: this.state.chainHash,
      eventCount: this.state.eventCount,
      reason,
      at: at.toISOString(),
      algorithm: SEAL_ALGORITHM,
      keyId: this.key.keyId,
      checkpoints,
      ...(trigger === undefined ? {} : { trigger }),
    };
    const seal: LedgerSeal = { ...body, signature: this.key.sign(sealSigningBytes(body)) };
    const stream = sealStreamName(position);
    try {
      await this.store.appendToStream(
        stream,
        [
          {
            id: deterministicEventId(`ledger-seal:${position}`, 0),
            type: LEDGER_SEALED,
            data: seal as unknown as JsonObject,
            metadata: { correlationId: `ledger-seal:${position}`, actor: 'system:ledger-sealer', schemaVersion: 1, occurredAt: body.at },
          },
        ],
        { expectedState: 'no_stream' },
      );
    } catch (error) {
      // Another node sealed this position first (its seal differs only by its time): it stands.
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    this.state = { ...this.state, lastSealedPosition: position, lastSealAt: at };
    this.save();
    this.logger?.info({ position: body.position, eventCount: body.eventCount, reason, trigger }, 'ledger sealed');
  }

  private save(): void {
    this.sealStore.save(this.savedPosition, this.state, this.pendingMarks, this.pendingSeals);
    this.savedPosition = this.state.position;
    this.pendingMarks = [];
    this.pendingSeals = [];
    this.unsaved = 0;
    const position = this.savedPosition;
    if (position === null) return;
    for (const waiter of this.waiters) {
      if (waiter.position <= position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lock.then(work, work);
    this.lock = next.catch(() => undefined);
    return next;
  }
}
