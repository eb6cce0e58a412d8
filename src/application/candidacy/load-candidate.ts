import { candidateDecider, type CandidateState } from '../../domain/candidacy/candidate.decider.js';
import { candidateStreamName, type CandidateEvent } from '../../domain/candidacy/candidacy.events.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';

/** A candidate as its stream says now (`{ status: 'none' }` when never declared). */
export async function loadCandidate(store: EventStore, electionId: string, candidateId: string): Promise<CandidateState> {
  let state = candidateDecider.initialState();
  try {
    for await (const recorded of store.readStream(candidateStreamName(electionId, candidateId))) {
      state = candidateDecider.evolve(state, { type: recorded.type, data: recorded.data } as unknown as CandidateEvent);
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return state;
}
