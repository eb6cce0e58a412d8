import type { Round } from '../../../domain/vote/vote.events.js';
import { computeResult, decryptingTrustees, quorumReached } from '../decryption-quorum.js';
import { pedersenVerificationKeys } from '../threshold-ceremony.js';
import type { VoteRounds } from '../vote-rounds.js';

/** As soon as a quorum of partial decryptions is in, the result is computed and recorded. */
export async function recordResultIfQuorum(rounds: VoteRounds, electionId: string, round: Round, commandId: string, actor: string): Promise<void> {
  const state = await rounds.loadPrepared(electionId, round);
  if (state.stage !== 'tallying' || !quorumReached(state)) return;
  const trustees = decryptingTrustees(state, pedersenVerificationKeys(state));
  const result = await computeResult(state, trustees, rounds.crypto);
  await rounds.execute(electionId, round, `${commandId}:result`, { type: 'RecordResult', result: result.text, counts: result.counts, blank: result.blank, countedBallots: result.countedBallots, at: rounds.now().toISOString() }, actor);
}
