import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BallotVerification } from '../../domain/belenios/ballot-verification.js';
import { DomainError } from '../../domain/shared/decider.js';
import type { VerifyRequest, VerifyResponse } from './ballot-verifier-worker.js';
import type { NodeBeleniosCryptoOptions } from './node-belenios-crypto.js';

/**
 * Ballot verification on worker threads: a ballot costs about 46 exponentiations modulo a 2048-bit
 * prime (10 ms or so), all on the calling thread with `verifyBallot`; with this pool a server with
 * n cores verifies n ballots at once and its event loop stays free.
 *
 * `verify(electionText, ballotText)` gives what `verifyBallot(parseElection(electionText), ballotText,
 * nodeBeleniosCrypto())` gives (the same verdicts, the same result shape, bigints included). Each
 * worker parses an election once and keeps it (by its exact text: the fingerprint is its hash),
 * with its own fixed-base tables for g and y.
 *
 * - Bounded: at most `maxQueue` tasks wait for a worker; beyond that `verify` rejects at once
 *   with BallotVerifierPoolFullError (the caller answers "busy" rather than queue without limit).
 * - Errors: what verifyBallot or parseElection throws in the worker rejects that task (a
 *   DomainError keeps its code and details). A worker that dies (an uncaught exception, an exit,
 *   out of memory) rejects the tasks it held with BallotVerifierWorkerError and is replaced; if
 *   workers keep dying without ever answering, the pool gives up and rejects everything.
 * - `close()` lets the queued and running tasks finish, then ends the workers; `destroy()` ends
 *   them at once and rejects whatever was pending. Idle workers do not keep the process alive.
 */
export interface BallotVerifierPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly threads?: number;
  /** Tasks waiting for a worker, at most; default 1,000. */
  readonly maxQueue?: number;
  /** Tasks sent ahead to each worker (2 hides the message round trip); default 2. */
  readonly inFlightPerWorker?: number;
  /** Options of each worker's nodeBeleniosCrypto. */
  readonly crypto?: NodeBeleniosCryptoOptions;
  /** The worker script; default the compiled ballot-verifier-worker.js next to this module (tests replace it). */
  readonly workerUrl?: URL;
}

export class BallotVerifierPoolFullError extends Error {
  constructor(readonly maxQueue: number) {
    super(`the ballot verifier pool is full (${maxQueue} ballots waiting): try again later`);
    this.name = 'BallotVerifierPoolFullError';
  }
}

export class BallotVerifierPoolClosedError extends Error {
  constructor() {
    super('the ballot verifier pool is closed');
    this.name = 'BallotVerifierPoolClosedError';
  }
}

/** A worker died while it held the task (the task is not retried: it may be what killed it). */
export class BallotVerifierWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BallotVerifierWorkerError';
  }
}

interface Task {
  readonly id: number;
  readonly electionText: string;
  readonly ballotText: string;
  readonly resolve: (result: BallotVerification) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly tasks: Map<number, Task>;
  /** Set once the worker has died (or is being ended): no task is sent to it any more. */
  dead: boolean;
}

/** Workers that die in a row without answering anything before the pool gives up. */
const MAX_CONSECUTIVE_DEATHS = 5;

export class BallotVerifierPool {
  private readonly threads: number;
  private readonly maxQueue: number;
  private readonly inFlightPerWorker: number;
  private readonly workerUrl: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private closed = false;
  private failure: Error | undefined;
  private deathsInARow = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly options: BallotVerifierPoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.maxQueue = Math.max(0, Math.floor(options.maxQueue ?? 1000));
    this.inFlightPerWorker = Math.max(1, Math.floor(options.inFlightPerWorker ?? 2));
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
    for (let i = 0; i < this.threads; i++) this.slots.push(this.spawn());
  }

  /** Worker threads. */
  get size(): number {
    return this.threads;
  }

  /** Tasks accepted and not yet answered (waiting or running). */
  get pending(): number {
    return this.queue.length + this.slots.reduce((sum, slot) => sum + slot.tasks.size, 0);
  }

  verify(electionText: string, ballotText: string): Promise<BallotVerification> {
    if (this.closed) return Promise.reject(new BallotVerifierPoolClosedError());
    if (this.failure) return Promise.reject(this.failure);
    if (this.queue.length >= this.maxQueue && !this.slots.some((slot) => this.canTake(slot))) return Promise.reject(new BallotVerifierPoolFullError(this.maxQueue));
    return new Promise<BallotVerification>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, electionText, ballotText, resolve, reject });
      this.pump();
    });
  }

  /** Refuses new tasks, lets the accepted ones finish, then ends the workers. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= new Promise<void>((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    }).then(() => this.terminateAll());
    return this.closing;
  }

  /** Ends the workers now; every pending task is rejected with BallotVerifierPoolClosedError. */
  async destroy(): Promise<void> {
    this.closed = true;
    const error = new BallotVerifierPoolClosedError();
    for (const task of this.queue.splice(0)) task.reject(error);
    for (const slot of this.slots) {
      for (const task of slot.tasks.values()) task.reject(error);
      slot.tasks.clear();
    }
    this.checkDrained();
    await this.terminateAll();
  }

  private canTake(slot: Slot): boolean {
    return !slot.dead && slot.tasks.size < this.inFlightPerWorker;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const slot of this.slots) if (this.canTake(slot) && (!best || slot.tasks.size < best.tasks.size)) best = slot;
      if (!best) return;
      const task = this.queue.shift()!;
      best.tasks.set(task.id, task);
      if (best.tasks.size === 1) best.worker.ref();
      best.worker.postMessage({ id: task.id, electionText: task.electionText, ballotText: task.ballotText } satisfies VerifyRequest);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl, { workerData: { crypto: this.options.crypto ?? {} } });
    const slot: Slot = { worker, tasks: new Map(), dead: false };
    worker.unref();
    worker.on('message', (response: VerifyResponse) => this.answer(slot, response));
    worker.on('error', (error) => this.died(slot, `a ballot verifier worker crashed: ${error.message}`, error));
    worker.on('messageerror', (error) => this.died(slot, `a ballot verifier worker sent an unreadable message: ${error.message}`, error));
    worker.on('exit', (code) => this.died(slot, `a ballot verifier worker exited (code ${code})`));
    return slot;
  }

  private answer(slot: Slot, response: VerifyResponse): void {
    const task = slot.tasks.get(response.id);
    if (!task) return;
    slot.tasks.delete(response.id);
    this.deathsInARow = 0;
    if (slot.tasks.size === 0) slot.worker.unref();
    if ('result' in response) task.resolve(response.result as BallotVerification);
    else {
      const { name, message, code, details, stack } = response.error;
      const error = code !== undefined ? new DomainError(code, message, details ?? {}) : new Error(message);
      if (code === undefined) error.name = name;
      if (stack) error.stack = stack;
      task.reject(error);
    }
    this.pump();
    this.checkDrained();
  }

  /** Rejects what the worker held, replaces it (unless the pool is ending or keeps failing). */
  private died(slot: Slot, message: string, cause?: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    const index = this.slots.indexOf(slot);
    const error = new BallotVerifierWorkerError(message, { cause });
    for (const task of slot.tasks.values()) task.reject(error);
    slot.tasks.clear();
    void slot.worker.terminate().catch(() => undefined);
    if (this.closing && this.queue.length === 0) {
      this.checkDrained();
      return;
    }
    if (this.destroyedOrFailed()) return;
    this.deathsInARow++;
    if (this.deathsInARow > MAX_CONSECUTIVE_DEATHS) {
      this.failure = new BallotVerifierWorkerError(`ballot verifier workers keep dying (${this.deathsInARow} in a row, the last: ${message})`, { cause });
      for (const task of this.queue.splice(0)) task.reject(this.failure);
      this.checkDrained();
      return;
    }
    if (index >= 0) this.slots[index] = this.spawn();
    this.pump();
  }

  private destroyedOrFailed(): boolean {
    return (this.closed && !this.closing) || this.failure !== undefined;
  }

  private checkDrained(): void {
    if (this.drained && this.pending === 0) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }

  private async terminateAll(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.dead = true;
        await slot.worker.terminate();
      }),
    );
  }
}

/**
 * The compiled worker next to this module (dist/src/infrastructure/crypto/); when this module is
 * run from its TypeScript source (jest), the one `npm run build` put in dist/.
 */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.js')) return new URL('./ballot-verifier-worker.js', here);
  return new URL(here.replace(/\/src\/infrastructure\/crypto\/[^/]*$/, '/dist/src/infrastructure/crypto/ballot-verifier-worker.js'));
}
