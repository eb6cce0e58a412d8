import { evolveBallotBox, initialBallotBoxState, type BallotBoxState } from '../../domain/vote/cast.js';
import { ballotBoxStream, type BallotBoxEvent, type Round } from '../../domain/vote/vote.events.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';

/**
 * The ballot box of a round, kept in memory and brought up to date by reading only the events
 * appended since the last read: every cast needs the whole box's state (credentials used,
 * tracking numbers), and re-reading 20,000 ballots per cast would make voting quadratic.
 *
 * Writes stay safe without trusting the cache: every append is at the exact revision this state
 * was read at, so another writer (node, process) makes it conflict, and the caller catches up and
 * decides again. `lock` serialises the local casts of one box so they do not conflict with each
 * other needlessly.
 */
export class BallotBoxCache {
  private state: BallotBoxState = initialBallotBoxState();
  private revision: bigint | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    readonly stream: string,
  ) {}

  /** The state up to the head of the stream, and the revision it was read at (null: empty). */
  async catchUp(): Promise<{ state: BallotBoxState; revision: bigint | null }> {
    try {
      const from = this.revision === null ? 'start' : this.revision + 1n;
      for await (const event of this.store.readStream(this.stream, { fromRevision: from })) {
        evolveBallotBox(this.state, event as unknown as BallotBoxEvent);
        this.revision = event.revision;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return { state: this.state, revision: this.revision };
  }

  /** Runs `work` after every earlier local one on this box has finished. */
  lock<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

const caches = new WeakMap<EventStore, Map<string, BallotBoxCache>>();

export function cachedBallotBox(store: EventStore, electionId: string, round: Round): BallotBoxCache {
  let perStore = caches.get(store);
  if (!perStore) caches.set(store, (perStore = new Map()));
  const stream = ballotBoxStream(electionId, round);
  let cache = perStore.get(stream);
  if (!cache) perStore.set(stream, (cache = new BallotBoxCache(store, stream)));
  return cache;
}
