import { voterSignInStream, type VoterSignedIn } from '../../domain/voter-sign-in/voter-sign-in.events.js';
import { StreamNotFoundError } from '../../infrastructure/event-store/event-store.errors.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';

/**
 * Whether the voter session `sessionId` of this registration was opened by `signInToVote` (e-mail +
 * SMS code) for this election and has not expired at `now`. Voter sessions opened otherwise (the one
 * `submitRegistration` returns, to follow one's registration) are single-factor: the vote slices
 * should ask this before accepting a ballot (`@CurrentSessionId()` gives the session id).
 */
export async function isSignedInToVote(store: EventStore, input: { registrationId: string; electionId: string; sessionId: string | null; now: Date }): Promise<boolean> {
  if (input.sessionId === null) return false;
  try {
    for await (const recorded of store.readStream(voterSignInStream(input.registrationId), { direction: 'backwards' })) {
      if (recorded.type !== 'VoterSignedIn') continue;
      const data = recorded.data as unknown as VoterSignedIn['data'];
      if (data.sessionId === input.sessionId) return data.electionId === input.electionId && Date.parse(data.expiresAt) > input.now.getTime();
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return false;
}
