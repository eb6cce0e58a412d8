import { DomainError } from '../../domain/shared/decider.js';
import { sealOf } from '../../domain/vote/belenios-setup.js';
import type { VoteSetupState } from '../../domain/vote/vote-setup.decider.js';
import type { CodeFingerprint } from '../ports/code-fingerprint.js';
import type { VoteRounds } from './vote-rounds.js';

/**
 * The seal of a round as things are now: fingerprints of the election structure, the candidates
 * in ballot order, the public credentials (as published in their stream), the trustees structure
 * and the running code. Sealing records it; the tally recomputes it and must find the same.
 */
export async function currentSeal(rounds: VoteRounds, code: CodeFingerprint, state: VoteSetupState) {
  if (!state.published || !state.publicCredentials) throw new DomainError('WrongVoteStage', 'The election key is not published yet');
  const credentials = await rounds.publicCredentials(state.electionId, state.round, false);
  return sealOf(rounds.crypto.sha256, {
    election: state.published.election,
    candidates: state.candidates,
    publicCredentials: JSON.stringify(credentials.list),
    trustees: state.published.trustees,
    code: await code.fingerprint(),
  });
}
