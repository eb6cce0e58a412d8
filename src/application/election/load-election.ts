import { foldElection, type ElectionState } from '../../domain/election/election.decider.js';
import { electionStreamName } from '../../domain/election/election.events.js';
import { assertElectionId } from '../../domain/election/election.rules.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';

/**
 * The election as its stream says now: `{ status: 'not-declared' }` when nothing was declared,
 * otherwise the declared (or cancelled) election with the dates in force. For other slices'
 * handlers, before they decide:
 *
 *   const election = await loadElection(store, command.electionId);
 *   assertActivityOpen(election, 'registration', now.toISOString()); // from src/domain/election
 *
 * or pass the state into their own decider's command. Throws InvalidElectionId (DomainError) for
 * an id that is not a slug.
 */
export async function loadElection(store: EventStore, electionId: string): Promise<ElectionState> {
  return (await loadElectionWithRevision(store, electionId)).state;
}

/** loadElection, with the revision of the stream's last event (null when the stream is empty). */
export async function loadElectionWithRevision(store: EventStore, electionId: string): Promise<{ state: ElectionState; revision: bigint | null }> {
  assertElectionId(electionId);
  const events: Array<{ type: string; data: unknown }> = [];
  let revision: bigint | null = null;
  try {
    for await (const recorded of store.readStream(electionStreamName(electionId))) {
      events.push({ type: recorded.type, data: recorded.data });
      revision = recorded.revision;
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { state: foldElection(events), revision };
}
